// 分类: active categories on the left, their products (search by
// category, sub-categories included by the server) on the right.
const api = require('../../lib/api')
const products = require('../../lib/products')

Component({
  data: { categories: [], current: '', products: [], loading: false, error: '', page: 1, more: false },
  methods: {
    async onShow() {
      const wanted = wx.getStorageSync('fx_category')
      if (wanted) wx.removeStorageSync('fx_category')
      if (!this.data.categories.length) {
        try {
          const list = await api.list('categories', { filter: 'is_active = true', sort: 'sort,name', perPage: 100 })
          this.setData({ categories: list.items })
        } catch (e) {
          return this.setData({ error: e.message })
        }
      }
      const current = wanted || this.data.current || (this.data.categories[0] || {}).id
      if (current && (current !== this.data.current || !this.data.products.length)) this.select(current)
    },
    pick(e) { this.select(e.currentTarget.dataset.id) },
    async select(id) {
      this.setData({ current: id, loading: true, error: '', products: [], page: 1 })
      try {
        const res = await products.search({ category: id, sort: 'sales', perPage: 20, page: 1 })
        this.setData({ products: res.items, more: res.page < res.totalPages })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
    },
    async more() {
      if (!this.data.more || this.data.loading) return
      this.setData({ loading: true })
      try {
        const page = this.data.page + 1
        const res = await products.search({ category: this.data.current, sort: 'sales', perPage: 20, page })
        this.setData({ products: this.data.products.concat(res.items), page, more: page < res.totalPages })
      } catch (e) { /* keep what is shown */ }
      this.setData({ loading: false })
    },
    toProduct(e) { wx.navigateTo({ url: '/pages/product/index?id=' + e.currentTarget.dataset.id }) },
  },
})
