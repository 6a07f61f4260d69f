// 购物车: prices, promotions and stock state all come from the server's
// priced cart; this page only shows them and edits lines.
const api = require('../../lib/api')
const ui = require('../../lib/ui')
const { yuan } = require('../../lib/format')

const lineStatus = { ok: '', off_shelf: '已下架', sold_out: '已售罄', insufficient_stock: '库存不足' }

Component({
  data: { cart: { lines: [] }, signedIn: false, loading: false, error: '', totalText: '', goodsText: '', discountText: '' },
  methods: {
    onShow() { this.load() },
    onPullDownRefresh() { this.load() },
    async load() {
      const signedIn = api.signedIn()
      this.setData({ signedIn, error: '' })
      if (!signedIn) return wx.stopPullDownRefresh()
      this.setData({ loading: true })
      try {
        this.show(await api.get('/api/shop/cart'))
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
    show(cart) {
      cart.lines = (cart.lines || []).map((l) => Object.assign({}, l, {
        thumbURL: api.absolute(l.thumb || l.image),
        priceText: yuan(l.unit_price),
        statusText: lineStatus[l.status] || l.status,
      }))
      cart.applied = cart.applied || []
      this.setData({ cart, totalText: yuan(cart.goods - cart.discount), goodsText: yuan(cart.goods), discountText: yuan(cart.discount) })
    },
    async toggle(e) {
      const line = this.data.cart.lines.find((l) => l.id === e.currentTarget.dataset.id)
      if (!line || line.status !== 'ok') return
      try {
        await api.post('/api/shop/cart/select', { ids: [line.id], selected: !line.selected })
        this.load()
      } catch (err) { ui.showError(err) }
    },
    async setQuantity(e) {
      const { id, q } = e.currentTarget.dataset
      try {
        if (q <= 0) await api.del('/api/shop/cart/items/' + id)
        else await api.patch('/api/shop/cart/items/' + id, { quantity: q })
        this.load()
      } catch (err) { ui.showError(err) }
    },
    toProduct(e) { wx.navigateTo({ url: '/pages/product/index?id=' + e.currentTarget.dataset.id }) },
    toMe() { wx.switchTab({ url: '/pages/me/index' }) },
    checkout() { wx.navigateTo({ url: '/pages/checkout/index' }) },
  },
})
