// 搜索: the server's Chinese keyword search with its sorts.
const products = require('../../lib/products')

const sorts = [
  { value: 'relevance', label: '综合' },
  { value: 'sales', label: '销量' },
  { value: 'price_asc', label: '价格↑' },
  { value: 'price_desc', label: '价格↓' },
  { value: 'newest', label: '新品' },
]

Component({
  data: { q: '', sorts, sort: 'relevance', products: [], total: 0, searched: false, loading: false, error: '' },
  methods: {
    onLoad(query) {
      if (query && query.q) {
        this.setData({ q: query.q })
        this.search()
      }
    },
    onInput(e) { this.setData({ q: e.detail.value }) },
    switchSort(e) { this.setData({ sort: e.currentTarget.dataset.v }); this.search() },
    async search() {
      this.setData({ loading: true, error: '' })
      try {
        const res = await products.search({ q: this.data.q.trim(), sort: this.data.sort, perPage: 40 })
        this.setData({ products: res.items, total: res.totalItems, searched: true })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
    },
    toProduct(e) { wx.navigateTo({ url: '/pages/product/index?id=' + e.currentTarget.dataset.id }) },
  },
})
