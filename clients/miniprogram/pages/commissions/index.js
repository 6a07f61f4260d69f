// 佣金明细: every commission with how it was computed (the server's
// formula, e.g. "¥99.00 × 10% = ¥9.90") and its state.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, commissionStatus, date } = require('../../lib/format')

const tabs = [{ value: '', label: '全部' }, { value: 'frozen', label: '冻结中' }, { value: 'settled', label: '已结算' }, { value: 'cancelled', label: '已取消' }]
const sources = { sku: '规格佣金', product: '商品佣金', level: '等级佣金', settings: '商城佣金' }

function row(c) {
  return Object.assign({}, c, {
    levelText: ['', '一级', '二级', '三级'][c.level] + '佣金',
    amountText: yuan(c.amount - (c.cancelled_amount || 0)),
    cancelledText: yuan(c.cancelled_amount),
    statusText: commissionStatus[c.status] || c.status,
    createdText: date(c.created),
    explanation: (c.formula || yuan(c.amount)) + ' · ' + (sources[c.source] || '') + (c.capped ? ' · 已按上限封顶' : ''),
  })
}

Component({
  data: { tabs, status: '', items: [], loading: false },
  methods: {
    onLoad() {
      if (ui.needSignIn()) return
      this.load()
      this.off = realtime.subscribe('commissions/*', () => this.load())
    },
    onUnload() { if (this.off) this.off() },
    onPullDownRefresh() { this.load() },
    switchTab(e) { this.setData({ status: e.currentTarget.dataset.v }); this.load() },
    async load() {
      this.setData({ loading: true })
      try {
        const me = api.user()
        let filter = 'beneficiary = ' + api.quote(me.id)
        if (this.data.status) filter += ' && status = ' + api.quote(this.data.status)
        const list = await api.list('commissions', { filter, sort: '-created', perPage: 50 })
        this.setData({ items: list.items.map(row) })
      } catch (e) { ui.showError(e) }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
  },
})
