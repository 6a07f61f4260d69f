// 订单详情: lines, amounts, parcel tracking, after-sales and the actions the
// order's status allows; the status follows the order over realtime.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, orderStatus, aftersaleStatus, date } = require('../../lib/format')

const aftersaleTypes = { refund: '仅退款', return_refund: '退货退款', exchange: '换货' }

Component({
  data: { order: null, items: [], aftersales: [], tracking: [], trackingError: '', amounts: {}, statusText: '', createdText: '', live: false, error: '' },
  methods: {
    async onLoad(query) {
      this.id = query.id
      await this.load()
      this.off = realtime.subscribe('orders/' + this.id, (ev) => {
        if (!ev.record) return
        this.changed(ev.record)
        this.setData({ live: true })
      }, () => this.catchUp())
    },
    // changed shows the order as it is now, and its parcel once shipped
    changed(order) {
      const shipped = order.tracking_no && order.tracking_no !== (this.data.order || {}).tracking_no
      this.show(order)
      if (shipped) this.track()
    },
    // catchUp reads the order again once its subscription is in place: a
    // change made while it was being set up sent its event to nobody
    async catchUp() {
      try {
        const order = await api.view('orders', this.id)
        if (!this.data.order || order.updated !== this.data.order.updated) this.changed(order)
      } catch (e) { /* the next event or visit shows it */ }
    },
    onShow() { if (this.data.order) this.load() },
    onUnload() { if (this.off) this.off() },
    async load() {
      try {
        const filter = 'order = ' + api.quote(this.id)
        const [order, items, aftersales] = await Promise.all([
          api.view('orders', this.id),
          api.list('order_items', { filter, perPage: 100 }),
          api.list('aftersales', { filter, sort: '-created', perPage: 20 }),
        ])
        this.show(order)
        this.setData({
          items: items.items.map((i) => Object.assign({}, i, { imageURL: api.absolute(i.image), paidText: yuan(i.paid_amount), refundedText: yuan(i.refunded_amount) })),
          aftersales: aftersales.items.map((a) => Object.assign({}, a, { typeText: aftersaleTypes[a.type] || a.type, statusText: aftersaleStatus[a.status] || a.status })),
        })
        if (order.tracking_no) this.track()
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    show(order) {
      this.setData({
        order,
        statusText: orderStatus[order.status] || order.status,
        createdText: date(order.created),
        amounts: {
          goods: yuan(order.goods_amount), discount: yuan(order.discount_amount), shipping: yuan(order.shipping_fee),
          payable: yuan(order.payable), refunded: yuan(order.refunded_amount),
        },
      })
    },
    async track() {
      try {
        const t = await api.get(`/api/shop/orders/${this.id}/tracking`)
        this.setData({ tracking: t.events || [], trackingError: '' })
      } catch (e) {
        this.setData({ trackingError: e.message })
      }
    },
    pay() { wx.navigateTo({ url: '/pages/pay/index?id=' + this.id }) },
    aftersale() { wx.navigateTo({ url: '/pages/aftersale/index?order=' + this.id }) },
    act(path, question) {
      wx.showModal({
        title: '提示', content: question,
        success: async (r) => {
          if (!r.confirm) return
          try {
            this.show(Object.assign({}, this.data.order, await api.post(`/api/shop/orders/${this.id}/${path}`, {})))
          } catch (e) { ui.showError(e) }
        },
      })
    },
    cancel() { this.act('cancel', '确定取消这个订单吗？') },
    confirm() { this.act('confirm', '确认已收到商品？') },
  },
})
