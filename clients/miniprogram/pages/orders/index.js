// 我的订单: tabs by status; a status change (paid, shipped, refunded)
// arrives over realtime and moves the order at once.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, orderStatus, date } = require('../../lib/format')

const tabs = [
  { value: '', label: '全部' },
  { value: 'pending_payment', label: '待付款' },
  { value: 'paid', label: '待发货' },
  { value: 'shipped', label: '待收货' },
  { value: 'completed', label: '已完成' },
]

function row(o) {
  return Object.assign({}, o, { statusText: orderStatus[o.status] || o.status, payableText: yuan(o.payable), createdText: date(o.created) })
}

Component({
  data: { tabs, status: '', orders: [], loading: false, error: '', live: false },
  methods: {
    onLoad(query) {
      if (ui.needSignIn()) return
      this.setData({ status: (query && query.status) || '' })
      this.load()
      // once subscribed, read the list again: a change made while the
      // subscription was being set up sent its event to nobody
      this.off = realtime.subscribe('orders/*', (ev) => this.onEvent(ev), () => this.load())
    },
    onUnload() { if (this.off) this.off() },
    onPullDownRefresh() { this.load() },
    switchTab(e) {
      this.setData({ status: e.currentTarget.dataset.v })
      this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const filter = this.data.status ? 'status = ' + api.quote(this.data.status) : ''
        const list = await api.list('orders', { filter, sort: '-created', perPage: 30 })
        this.setData({ orders: list.items.map(row) })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
    onEvent(ev) {
      if (!ev.record) return
      const o = row(ev.record)
      const inTab = !this.data.status || o.status === this.data.status
      let orders = this.data.orders.filter((x) => x.id !== o.id)
      if (inTab && ev.action !== 'delete') {
        const i = this.data.orders.findIndex((x) => x.id === o.id)
        if (i >= 0) orders.splice(i, 0, o)
        else orders = [o].concat(orders)
      }
      this.setData({ orders, live: true })
    },
    toOrder(e) { wx.navigateTo({ url: '/pages/order/index?id=' + e.currentTarget.dataset.id }) },
  },
})
