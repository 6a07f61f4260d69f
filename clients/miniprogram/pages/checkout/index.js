// 确认订单: a saved address or one imported with wx.chooseAddress, the
// cart's selected lines (or one SKU bought now), then the order — priced by
// the server — goes on to payment. The cart's coupons are listed usable
// first, the best one chosen by the server unless the buyer picks another
// or none. When the balance covers the total, 余额支付 places and pays the
// order in one request (the checkout's pay field) and opens the paid order.
const api = require('../../lib/api')
const { option } = require('../../lib/coupon')
const ui = require('../../lib/ui')
const { yuan, maskPhone } = require('../../lib/format')

Component({
  data: {
    address: null, addresses: [], showAddresses: false, lines: [], applied: [], note: '', estimate: false,
    goodsText: '', discountText: '', shippingText: '', totalText: '', submitting: false, error: '',
    coupons: [], coupon: null, couponText: '', usableCount: 0, showCoupons: false,
    balanceText: '', byBalance: false,
  },
  methods: {
    async onLoad(query) {
      this.item = query && query.sku ? { sku: query.sku, quantity: Number(query.quantity) || 1 } : null
      // a flash-sale item (from 立即抢购) is bought at its flash price
      this.offer = (this.item && query.offer) || ''
      try {
        const list = await api.list('addresses', { sort: '-is_default,-updated', perPage: 50 })
        this.setData({ addresses: list.items })
        this.useAddress(list.items[0] || null)
        if (!list.items.length) this.setData({ showAddresses: true })
        await this.price()
        const info = await api.info()
        if ((info.payment_methods || []).includes('balance')) {
          this.wallet = await api.get('/api/shop/wallet').catch(() => null)
          this.showBalance()
        }
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    useAddress(a) {
      this.setData({ address: a ? Object.assign({}, a, { phoneText: maskPhone(a.phone) }) : null })
    },
    // the cart priced with the address (shipping); a bought-now SKU is shown
    // at its price and priced for real by the checkout
    async price() {
      if (this.item) {
        const sku = await api.view('skus', this.item.sku, { expand: 'product' })
        const p = (sku.expand && sku.expand.product) || {}
        const flash = this.offer ? await api.get('/api/shop/flash/items/' + encodeURIComponent(this.offer)) : null
        const unit = flash ? flash.flash_price : sku.price
        const goods = unit * this.item.quantity
        this.setData({
          estimate: true,
          lines: [{ sku: sku.id, title: p.title, spec_text: sku.spec_text, quantity: this.item.quantity, priceText: yuan(unit), flash: !!flash,
            thumbURL: p.images && p.images[0] ? api.fileURL(p, p.images[0], '200x200') : '' }],
          goodsText: yuan(goods), shippingText: '提交后计算', totalText: yuan(goods),
        })
        return
      }
      // coupon: '' the server's best pick, 'none', or one of the buyer's coupons
      const q = { address: this.data.address ? this.data.address.id : '' }
      if (this.couponChoice) q.coupon = this.couponChoice
      const cart = await api.get('/api/shop/cart', q)
      const coupons = (cart.coupons || []).map(option).sort((a, b) => (b.usable ? 1 : 0) - (a.usable ? 1 : 0))
      const lines = (cart.lines || []).filter((l) => l.selected && l.in_total).map((l) => Object.assign({}, l, {
        thumbURL: api.absolute(l.thumb || l.image), priceText: yuan(l.paid),
      }))
      this.setData({
        lines, applied: cart.applied || [],
        coupons, coupon: cart.coupon || null, usableCount: coupons.filter((c) => c.usable).length,
        couponText: cart.coupon ? '-' + yuan(cart.coupon_discount) : '',
        // the coupon has its own line: 优惠 is what the promotions took off
        goodsText: yuan(cart.goods), discountText: cart.discount - (cart.coupon_discount || 0) > 0 ? yuan(cart.discount - (cart.coupon_discount || 0)) : '',
        shippingText: cart.shipping_estimated ? yuan(cart.shipping) + '（预估）' : yuan(cart.shipping),
        totalText: yuan(cart.total),
      })
      this.total = cart.total
      this.showBalance()
    },
    // the balance, and 余额支付 when it covers the order (a bought-now SKU's
    // total is only an estimate until the checkout: it goes to the cashier)
    showBalance() {
      const w = this.wallet
      if (!w || w.available <= 0) return this.setData({ balanceText: '', byBalance: false })
      const covers = !this.item && this.total > 0 && w.available >= this.total
      this.setData({
        balanceText: '可用 ' + yuan(w.available) + (covers || this.item ? '' : '，不足支付本单'),
        byBalance: covers && !!this.data.address,
      })
    },
    toggleCoupons() { this.setData({ showCoupons: !this.data.showCoupons }) },
    pickCoupon(e) {
      const id = e.currentTarget.dataset.id
      const c = this.data.coupons.find((x) => x.id === id)
      if (id !== 'none' && (!c || !c.usable)) return
      this.couponChoice = id
      this.setData({ showCoupons: false })
      this.price().catch(ui.showError)
    },
    toggleAddresses() { this.setData({ showAddresses: !this.data.showAddresses }) },
    pickAddress(e) {
      this.useAddress(this.data.addresses.find((a) => a.id === e.currentTarget.dataset.id))
      this.setData({ showAddresses: false })
      this.price().catch(ui.showError)
    },
    // wx.chooseAddress gives WeChat's saved address; it is stored as one of
    // the buyer's addresses so the order can name it
    importWeChat() {
      wx.chooseAddress({
        success: async (a) => {
          try {
            const me = api.user()
            const saved = await api.post('/api/collections/addresses/records', {
              user: me.id, name: a.userName, phone: a.telNumber, province: a.provinceName, city: a.cityName,
              district: a.countyName, detail: a.detailInfo || a.detailInfoNew, postcode: a.postalCode, is_default: !this.data.addresses.length,
            })
            this.setData({ addresses: [saved].concat(this.data.addresses), showAddresses: false })
            this.useAddress(saved)
            await this.price()
          } catch (e) { ui.showError(e) }
        },
        fail: (e) => { if (!/cancel/.test((e && e.errMsg) || '')) ui.toast('无法读取微信地址，请在设置中允许') },
      })
    },
    onNote(e) { this.setData({ note: e.detail.value }) },
    submit() { return this.place(null) },
    payBalance() {
      wx.showModal({
        title: '余额支付', content: '使用余额支付 ' + this.data.totalText + '？', confirmText: '确认支付',
        success: (r) => { if (r.confirm) this.place({ method: 'balance' }) },
      })
    },
    // place checks out; with pay the checkout pays too, and a paid order
    // opens at once (otherwise the cashier)
    async place(pay) {
      if (!this.data.address) return ui.toast('请选择收货地址')
      this.setData({ submitting: true, error: '' })
      try {
        const body = { address: this.data.address.id, note: this.data.note }
        if (this.item) body.items = [this.item]
        if (this.offer) body.offer = this.offer
        else body.coupon = this.data.coupon ? this.data.coupon.id : 'none'
        if (pay) body.pay = pay
        const order = await api.post('/api/shop/checkout', body)
        if (order.status === 'paid') {
          ui.toast('支付成功', 'success')
          wx.redirectTo({ url: '/pages/order/index?id=' + order.id })
        } else {
          wx.redirectTo({ url: '/pages/pay/index?id=' + order.id })
        }
      } catch (e) {
        this.setData({ error: e.message })
        // prices or promotions changed under the buyer: show the new ones
        if (e.status === 409 && !this.item) this.price().catch(() => {})
      }
      this.setData({ submitting: false })
    },
  },
})
