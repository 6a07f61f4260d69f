// 首页: promotions, the flash-sale slot (场次) that runs or comes next with
// its countdown, the way to the coupon centre, categories, best sellers. Also the page share codes and
// links open (mp_path pages/index/index?scene=…): a share about a product
// goes on to that product.
const api = require('../../lib/api')
const products = require('../../lib/products')
const ui = require('../../lib/ui')
const { yuan } = require('../../lib/format')

function hms(s) {
  const p = (n) => String(n).padStart(2, '0')
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`
}

Component({
  data: { products: [], categories: [], promotions: [], flash: null, flashLeft: '', sandbox: false, loading: true, error: '', page: 1, more: true },
  methods: {
    async onLoad(query) {
      this.query = query || {}
      this.load()
      const app = typeof getApp === 'function' ? getApp() : null
      const product = app ? await app.globalData.entry : ''
      if (product) wx.navigateTo({ url: '/pages/product/index?id=' + product })
    },
    async load() {
      this.setData({ loading: true, error: '', page: 1 })
      try {
        const [list, cats, promos, info] = await Promise.all([
          products.search({ sort: 'sales', perPage: 20, page: 1 }),
          api.list('categories', { filter: 'is_active = true', sort: 'sort', perPage: 8 }).catch(() => ({ items: [] })),
          api.get('/api/shop/promotions/active').catch(() => []),
          api.info().catch(() => ({})),
        ])
        this.showFlash(await api.get('/api/shop/flash/sessions').catch(() => ({ sessions: [] })))
        this.setData({
          products: list.items,
          more: list.page < list.totalPages,
          categories: cats.items.map((c) => Object.assign({}, c, { icon: c.icon ? api.fileURL(c, c.icon, '100x100') : '' })),
          promotions: (Array.isArray(promos) ? promos : promos.items || []).slice(0, 3),
          sandbox: !!info.sandbox,
        })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
      wx.stopPullDownRefresh()
    },
    async onReachBottom() {
      if (!this.data.more || this.data.loading) return
      this.setData({ loading: true })
      try {
        const page = this.data.page + 1
        const list = await products.search({ sort: 'sales', perPage: 20, page })
        this.setData({ products: this.data.products.concat(list.items), page, more: page < list.totalPages })
      } catch (e) {
        ui.showError(e)
      }
      this.setData({ loading: false })
    },
    // showFlash keeps the first slot that runs or comes next; the countdown
    // runs from the server's seconds, not the phone's clock, and the strip
    // is loaded again when the slot opens or ends
    showFlash(res) {
      clearInterval(this.flashTimer)
      const slot = (res.sessions || []).find((s) => (s.state === 'live' || s.state === 'upcoming') && s.items && s.items.length)
      if (!slot) { this.setData({ flash: null }); return }
      const live = slot.state === 'live'
      this.setData({
        flash: {
          id: slot.id, name: slot.name || '限时秒杀', live,
          items: slot.items.map((it) => ({ id: it.id, product: it.product, title: it.title, image: api.absolute(it.image),
            soldOut: it.sold_out, priceText: yuan(it.flash_price), wasText: it.price ? yuan(it.price) : '' })),
        },
      })
      const t0 = Date.now()
      const total = live ? slot.ends_in : slot.starts_in
      const tick = () => {
        const s = Math.max(0, total - Math.floor((Date.now() - t0) / 1000))
        this.setData({ flashLeft: hms(s) })
        if (s === 0) {
          clearInterval(this.flashTimer)
          api.get('/api/shop/flash/sessions').then((r) => this.showFlash(r)).catch(() => {})
        }
      }
      tick()
      this.flashTimer = setInterval(tick, 1000)
    },
    onUnload() { clearInterval(this.flashTimer) },
    toFlash(e) { wx.navigateTo({ url: '/pages/product/index?id=' + e.currentTarget.dataset.product + '&flash=' + e.currentTarget.dataset.id }) },
    toCoupons() { wx.navigateTo({ url: '/pages/coupons/index' }) },
    onPullDownRefresh() { this.load() },
    toSearch() { wx.navigateTo({ url: '/pages/search/index' }) },
    toCategory(e) {
      wx.setStorageSync('fx_category', e.currentTarget.dataset.id)
      wx.switchTab({ url: '/pages/category/index' })
    },
    toProduct(e) { wx.navigateTo({ url: '/pages/product/index?id=' + e.currentTarget.dataset.id }) },
    onShareAppMessage() {
      return { title: '分销商城 · 好物推荐', path: ui.sharePath('/pages/index/index', {}) }
    },
    onShareTimeline() {
      const p = ui.sharePath('', {})
      return { title: '分销商城 · 好物推荐', query: p.replace(/^\?/, '') }
    },
  },
})
