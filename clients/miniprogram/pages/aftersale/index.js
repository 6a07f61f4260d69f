// 申请售后: refund, return-and-refund or exchange for chosen lines, with up
// to six photos (wx.chooseMedia, then one wx.uploadFile each to the
// after-sale's photos route once it exists).
const api = require('../../lib/api')
const ui = require('../../lib/ui')

const types = [
  { value: 'refund', label: '仅退款' },
  { value: 'return_refund', label: '退货退款' },
  { value: 'exchange', label: '换货' },
]

Component({
  data: { types, type: 'refund', items: [], reason: '', photos: [], submitting: false, error: '' },
  methods: {
    async onLoad(query) {
      this.order = query.order
      try {
        const list = await api.list('order_items', { filter: 'order = ' + api.quote(this.order), perPage: 100 })
        this.setData({
          items: list.items.map((i) => Object.assign({}, i, {
            imageURL: api.absolute(i.image), left: i.quantity - i.returned_quantity, chosen: list.items.length === 1,
          })),
        })
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    onType(e) { this.setData({ type: e.detail.value }) },
    onReason(e) { this.setData({ reason: e.detail.value }) },
    toggle(e) {
      this.setData({ items: this.data.items.map((i) => (i.id === e.currentTarget.dataset.id && i.left > 0 ? Object.assign({}, i, { chosen: !i.chosen }) : i)) })
    },
    choosePhotos() {
      wx.chooseMedia({
        count: 6 - this.data.photos.length,
        mediaType: ['image'],
        sizeType: ['compressed'],
        success: (r) => this.setData({ photos: this.data.photos.concat(r.tempFiles.map((f) => f.tempFilePath)).slice(0, 6) }),
      })
    },
    async submit() {
      const chosen = this.data.items.filter((i) => i.chosen)
      if (!chosen.length) return ui.toast('请选择售后商品')
      if (!this.data.reason.trim()) return ui.toast('请填写原因')
      this.setData({ submitting: true, error: '' })
      try {
        const as = this.created || await api.post('/api/shop/aftersales', {
          order: this.order, type: this.data.type, reason: this.data.reason,
          // amount 0: the server refunds what the chosen quantity paid
          items: chosen.map((i) => ({ order_item: i.id, quantity: i.left, amount: 0 })),
        })
        this.created = as
        // photos go one by one; a failed one can be sent again without a
        // second after-sale
        while (this.data.photos.length) {
          await api.upload(`/api/shop/aftersales/${as.id}/photos`, this.data.photos[0], 'photos')
          this.setData({ photos: this.data.photos.slice(1) })
        }
        ui.toast('已提交，请等待审核', 'success')
        setTimeout(() => wx.navigateBack(), 800)
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ submitting: false })
    },
  },
})
