// 消息通知: order and commission notices, new ones over realtime; opening
// one marks it read and goes to its order when it names one.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { date } = require('../../lib/format')

const row = (n) => Object.assign({}, n, { createdText: date(n.created) })

Component({
  data: { items: [], loading: false, error: '' },
  methods: {
    onLoad() {
      if (ui.needSignIn()) return
      this.load()
      this.off = realtime.subscribe('notifications/*', (ev) => {
        if (!ev.record || ev.action === 'delete') return
        this.setData({ items: [row(ev.record)].concat(this.data.items.filter((x) => x.id !== ev.record.id)) })
      })
    },
    onUnload() { if (this.off) this.off() },
    onPullDownRefresh() { this.load() },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const list = await api.list('notifications', { sort: '-created', perPage: 50 })
        this.setData({ items: list.items.map(row) })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
    async open(e) {
      const n = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      if (!n) return
      if (!n.read) {
        api.patch('/api/collections/notifications/records/' + n.id, { read: true }).catch(() => {})
        this.setData({ items: this.data.items.map((x) => (x.id === n.id ? Object.assign({}, x, { read: true }) : x)) })
      }
      if (/^[a-z0-9]{15}$/.test(n.ref || '') && /order|pay|ship|refund/.test(n.kind)) wx.navigateTo({ url: '/pages/order/index?id=' + n.ref })
    },
  },
})
