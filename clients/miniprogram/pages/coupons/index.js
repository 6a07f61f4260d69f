// 领券中心: the claimable coupons with 立即领取, 已领取 and 已抢光 states;
// a guest is asked to sign in first.
const api = require('../../lib/api')
const ui = require('../../lib/ui')
const { ticket } = require('../../lib/coupon')

function state(t) {
  if (t.remaining === 0 && !t.held) return { text: '已抢光', off: true }
  if (t.can_claim === false && t.held) return { text: '已领取', off: true }
  if (t.can_claim === false) return { text: '不可领取', off: true }
  return { text: t.held ? '再领一张' : '立即领取', off: false }
}

Component({
  data: { items: [], loading: true, error: '', signedIn: false, claiming: '' },
  methods: {
    onLoad() { return this.load() },
    onShow() { this.setData({ signedIn: !!api.token() }) },
    async load() {
      this.setData({ loading: true, error: '', signedIn: !!api.token() })
      try {
        const res = await api.get('/api/shop/coupons/center')
        this.setData({ items: (res.items || []).map((t) => Object.assign(ticket(t), { state: state(t) })) })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
    onPullDownRefresh() { this.load() },
    async claim(e) {
      const id = e.currentTarget.dataset.id
      const t = this.data.items.find((x) => x.id === id)
      if (!t || t.state.off || this.data.claiming) return
      if (ui.needSignIn()) return
      this.setData({ claiming: id })
      try {
        await api.post('/api/shop/coupons/claim', { template: id })
        ui.toast('领取成功，下单时自动使用', 'success')
      } catch (err) {
        ui.showError(err)
      }
      this.setData({ claiming: '' })
      await this.load()
    },
    toMine() { wx.navigateTo({ url: '/pages/mycoupons/index' }) },
  },
})
