// 我的优惠券: 未使用 / 已使用 / 已过期.
const api = require('../../lib/api')
const { ticket } = require('../../lib/coupon')

const tabs = [{ value: 'unused', label: '未使用' }, { value: 'used', label: '已使用' }, { value: 'expired', label: '已过期' }]

Component({
  data: { tabs, tab: 'unused', items: [], loading: true, error: '' },
  methods: {
    onLoad(query) {
      const tab = tabs.some((t) => t.value === (query && query.status)) ? query.status : 'unused'
      this.setData({ tab })
      return this.load()
    },
    async load() {
      this.setData({ loading: true, error: '' })
      try {
        const res = await api.get('/api/shop/coupons/mine', { status: this.data.tab })
        this.setData({ items: (res.items || []).map((c) => Object.assign(ticket(c), { usedText: c.used_at ? String(c.used_at).slice(5, 10) : '' })) })
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ loading: false })
    },
    pick(e) {
      this.setData({ tab: e.currentTarget.dataset.v, items: [] })
      return this.load()
    },
    toCenter() { wx.navigateTo({ url: '/pages/coupons/index' }) },
    toShop() { wx.switchTab({ url: '/pages/index/index' }) },
  },
})
