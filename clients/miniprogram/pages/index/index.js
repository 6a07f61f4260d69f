// 首页: promotions, categories, best sellers. Also the page share codes and
// links open (mp_path pages/index/index?scene=…): a share about a product
// goes on to that product.
const api = require('../../lib/api')
const products = require('../../lib/products')
const ui = require('../../lib/ui')

Component({
  data: { products: [], categories: [], promotions: [], sandbox: false, loading: true, error: '', page: 1, more: true },
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
