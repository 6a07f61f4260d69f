// 分销中心: wallet and earnings, team by level, leaderboard and link
// statistics. New commission arrives over realtime: the figures refresh
// and the newest one is shown with its formula.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, date } = require('../../lib/format')

const tabs = [{ value: 'team', label: '我的团队' }, { value: 'board', label: '排行榜' }, { value: 'stats', label: '推广数据' }]

// earnings of a period that are not taken back: frozen + settled
const earned = (e) => yuan((e.frozen || 0) + (e.settled || 0))

Component({
  data: {
    tabs, tab: 'team', wallet: {}, today: '', month: '', total: '', levelName: '', latest: '',
    levels: [], level: 1, levelLabel: '一级', team: [], period: 'week', board: [], stats: { totals: {}, links: [] },
  },
  methods: {
    onLoad() {
      if (ui.needSignIn()) return
      this.load()
      this.off = realtime.subscribe('commissions/*', (ev) => {
        if (ev.action !== 'create' || !ev.record) return
        // (the toast comes from app.js, wherever the distributor is)
        this.setData({ latest: `${['', '一', '二', '三'][ev.record.level]}级佣金 ${yuan(ev.record.amount)}（${ev.record.formula || '订单已付款'}）` })
        this.load()
      })
    },
    onUnload() { if (this.off) this.off() },
    onPullDownRefresh() { this.load() },
    async load() {
      try {
        const s = await api.get('/api/shop/distribution/summary')
        this.summary = s
        const labels = ['一级', '二级', '三级']
        this.setData({
          wallet: { balance: yuan(s.wallet.balance), frozen: yuan(s.wallet.frozen) },
          today: earned(s.today), month: earned(s.month), total: earned(s.total),
          levels: [1, 2, 3].map((l) => ({ value: l, label: labels[l - 1], count: s.team['l' + l] })),
        })
        if (s.level) {
          api.list('distributor_levels', { filter: 'rank = ' + Number(s.level), perPage: 1 })
            .then((r) => r.items[0] && this.setData({ levelName: r.items[0].name })).catch(() => {})
        }
        await this.loadTab()
      } catch (e) {
        ui.showError(e)
      }
      wx.stopPullDownRefresh()
    },
    async loadTab() {
      if (this.data.tab === 'team') {
        const t = await api.get('/api/shop/distribution/team', { level: this.data.level, perPage: 50 })
        this.setData({ team: t.items.map((m) => Object.assign({}, m, { boundText: date(m.bound_at).slice(0, 10), contributionText: yuan(m.contribution) })) })
      } else if (this.data.tab === 'board') {
        const b = await api.get('/api/shop/distribution/leaderboard', { period: this.data.period, by: 'commission' })
        this.setData({ board: (b.ranks || []).map((r) => Object.assign({}, r, { valueText: yuan(r.value) })) })
      } else {
        const st = await api.get('/api/shop/distribution/stats')
        st.links = (st.links || []).map((l) => Object.assign({}, l, { paidText: yuan(l.paid_amount) }))
        this.setData({ stats: st })
      }
    },
    switchTab(e) { this.setData({ tab: e.currentTarget.dataset.v }); this.loadTab().catch(ui.showError) },
    switchLevel(e) {
      const level = Number(e.currentTarget.dataset.l)
      this.setData({ level, levelLabel: ['一级', '二级', '三级'][level - 1] })
      this.loadTab().catch(ui.showError)
    },
    switchPeriod(e) { this.setData({ period: e.currentTarget.dataset.p }); this.loadTab().catch(ui.showError) },
    toCommissions() { wx.navigateTo({ url: '/pages/commissions/index' }) },
    toPromote() { wx.navigateTo({ url: '/pages/promote/index' }) },
    toWithdraw() { wx.navigateTo({ url: '/pages/withdraw/index' }) },
  },
})
