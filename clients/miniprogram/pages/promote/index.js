// 推广海报: the distributor's share link for a product or material with
// its server-rendered poster, the mini-program code (when the shop has
// WeChat keys), the H5 link, and the marketing materials; images are
// downloaded and saved to the phone's album.
const api = require('../../lib/api')
const ui = require('../../lib/ui')

Component({
  data: { link: null, posterURL: '', wxacodeURL: '', materials: [], error: '' },
  methods: {
    async onLoad(query) {
      if (ui.needSignIn()) return
      this.product = (query && query.product) || ''
      this.material = (query && query.material) || ''
      await this.loadLink()
      try {
        const now = new Date().toISOString().replace('T', ' ')
        const list = await api.list('materials', { sort: '-created', perPage: 20, filter: `active = true && (ends_at = '' || ends_at > '${now}')` })
        this.setData({ materials: list.items.map((m) => Object.assign({}, m, {
          images: (m.files || []).filter((f) => /\.(jpe?g|png|webp|gif)$/i.test(f)).map((f) => api.fileURL(m, f)),
        })) })
      } catch (e) { /* no materials */ }
    },
    async loadLink() {
      try {
        const link = await api.get('/api/shop/share/link', { product: this.product, material: this.material })
        this.link = link
        this.setData({ link, posterURL: api.absolute(link.poster_url), wxacodeURL: api.absolute(link.wxacode_url) })
      } catch (e) {
        this.setData({ error: e.message })
      }
    },
    // the album needs the user's permission; a refusal points to settings
    saveImage(e) {
      const url = typeof e === 'string' ? e : e.currentTarget.dataset.url
      wx.showLoading && wx.showLoading({ title: '保存中' })
      wx.downloadFile({
        url,
        success: (res) => {
          if (res.statusCode !== 200) { wx.hideLoading && wx.hideLoading(); return ui.toast('图片下载失败') }
          wx.saveImageToPhotosAlbum({
            filePath: res.tempFilePath,
            success: () => ui.toast('已保存到相册', 'success'),
            fail: (err) => {
              if (/auth|deny/.test((err && err.errMsg) || '')) {
                wx.showModal({ title: '需要相册权限', content: '请在设置中允许保存到相册', success: (r) => r.confirm && wx.openSetting() })
              } else ui.toast('保存失败')
            },
            complete: () => wx.hideLoading && wx.hideLoading(),
          })
        },
        fail: () => { wx.hideLoading && wx.hideLoading(); ui.toast('图片下载失败') },
      })
    },
    savePoster() { this.saveImage(this.data.posterURL) },
    saveCode() { this.saveImage(this.data.wxacodeURL) },
    copyLink() { wx.setClipboardData({ data: this.link.h5_url }) },
    copyText(e) { wx.setClipboardData({ data: e.currentTarget.dataset.text || '' }) },
    async useMaterial(e) {
      this.material = e.currentTarget.dataset.id
      await this.loadLink()
      wx.pageScrollTo && wx.pageScrollTo({ scrollTop: 0 })
    },
    onShareAppMessage() {
      const path = this.product ? '/pages/product/index' : '/pages/index/index'
      return { title: '好物推荐', path: ui.sharePath(path, { id: this.product }, this.link), imageUrl: this.data.posterURL }
    },
  },
})
