// 收银台: the shop's payment methods; WeChat Pay through wx.requestPayment
// with the prepay parameters the server signed, the sandbox method when the
// shop runs in demo mode. The order's status comes back over realtime.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, orderStatus, date } = require('../../lib/format')

const methodLabels = { wechatpay: '微信支付', balance: '余额支付', sandbox: '沙箱支付（演示）', offline: '银行转账', alipay: '' }

Component({
  data: { order: null, methods: [], method: '', sandbox: false, paying: false, offline: null, error: '', payableText: '', statusText: '', expiresText: '' },
  methods: {
    async onLoad(query) {
      this.id = query.id
      try {
        const [order, info] = await Promise.all([api.view('orders', this.id), api.info()])
        // alipay is for the H5 pages; a mini-program pays with WeChat
        const methods = (info.payment_methods || []).filter((m) => methodLabels[m]).map((m) => ({ value: m, label: methodLabels[m] }))
        const preferred = ['wechatpay', 'sandbox', 'balance', 'offline'].find((m) => methods.some((x) => x.value === m)) || ''
        this.setData({ methods, method: preferred, sandbox: !!info.sandbox })
        this.show(order)
        // once subscribed, look again: a payment finished meanwhile sent its
        // event to nobody
        this.off = realtime.subscribe('orders/' + this.id, (ev) => ev.record && this.show(ev.record),
          () => api.view('orders', this.id).then((o) => this.show(o)).catch(() => {}))
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    onUnload() { if (this.off) this.off() },
    show(order) {
      this.setData({
        order, payableText: yuan(order.payable), statusText: orderStatus[order.status] || order.status, expiresText: date(order.expires_at),
      })
      if (order.status !== 'pending_payment' && this.data.paying) this.done()
    },
    onMethod(e) { this.setData({ method: e.detail.value }) },
    async pay() {
      if (!this.data.method) return ui.toast('商城暂未开通支付方式')
      this.setData({ paying: true, error: '' })
      try {
        const res = await api.post(`/api/shop/orders/${this.id}/pay`, { method: this.data.method })
        if (res.paid) return this.show(res.order), this.done()
        if (res.method === 'offline') return this.setData({ offline: res.params, paying: false })
        if (res.method === 'wechatpay') await this.requestPayment(res.params)
        // the payment notification reaches the server on its own; realtime
        // (or the poll below) moves the page on
        this.waitPaid()
      } catch (e) {
        this.setData({ paying: false, error: e.message })
      }
    },
    requestPayment(p) {
      return new Promise((resolve, reject) => {
        wx.requestPayment({
          timeStamp: p.timeStamp, nonceStr: p.nonceStr, package: p.package, signType: p.signType || 'RSA', paySign: p.paySign,
          success: resolve,
          fail: (e) => reject(new api.ApiError(/cancel/.test((e && e.errMsg) || '') ? '已取消支付' : '支付未完成，请重试', 0, 'pay_failed')),
        })
      })
    },
    async waitPaid() {
      for (let i = 0; i < 10 && this.data.order.status === 'pending_payment'; i++) {
        await new Promise((r) => setTimeout(r, 1500))
        try { this.show(await api.view('orders', this.id)) } catch (e) { /* keep waiting */ }
      }
      if (this.data.order.status === 'pending_payment') this.setData({ paying: false, error: '支付结果确认中，请稍后在订单中查看' })
    },
    done() {
      if (this.finished) return
      this.finished = true
      this.setData({ paying: false })
      ui.toast('支付成功', 'success')
      setTimeout(() => wx.redirectTo({ url: '/pages/order/index?id=' + this.id }), 800)
    },
    toOrder() { wx.redirectTo({ url: '/pages/order/index?id=' + this.id }) },
  },
})
