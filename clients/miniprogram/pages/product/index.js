// 商品详情: gallery, SKU picker with live stock, promotion labels, and for
// distributors what sharing earns; shares carry the sharer's code. During a
// flash-sale slot (场次) the flash price, countdown, units left or 已抢完 and
// the per-buyer limit, and 立即抢购 buying the flash SKU with the offer.
const api = require('../../lib/api')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan } = require('../../lib/format')

Component({
  data: {
    product: null, images: [], skus: [], sku: null, quantity: 1, promotions: [], priceText: '', originalText: '',
    stockText: '', soldOut: false, shareEarn: '', picker: false, live: false, error: '',
    flash: null, flashLeft: '',
  },
  methods: {
    async onLoad(query) {
      this.id = query.id
      this.offs = []
      try {
        const [product, skus, promos] = await Promise.all([
          api.view('products', this.id),
          api.list('skus', { filter: 'product = ' + api.quote(this.id), perPage: 100 }),
          api.get(`/api/shop/products/${encodeURIComponent(this.id)}/promotions`).catch(() => null),
        ])
        this.promoPrices = {}
        ;((promos && promos.skus) || []).forEach((s) => { this.promoPrices[s.id] = s.promo_price })
        const first = skus.items.find((s) => s.stock > 0) || skus.items[0] || null
        this.setData({
          product,
          images: (product.images || []).map((f) => api.fileURL(product, f)),
          skus: skus.items,
          promotions: (promos && promos.promotions) || [],
        })
        this.choose(first)
        wx.setNavigationBarTitle && wx.setNavigationBarTitle({ title: product.title })
        this.watchStock()
        this.shareInfo()
        this.loadFlash(query.flash)
      } catch (e) {
        this.setData({ error: e.status === 404 ? '商品不存在或已下架' : e.message })
      }
    },
    onUnload() {
      ;(this.offs || []).forEach((off) => off())
      clearInterval(this.flashTimer)
    },
    // loadFlash finds this product's item in a slot that runs or comes next
    // (the one the link names first) and counts down from the server's seconds
    async loadFlash(itemId) {
      clearInterval(this.flashTimer)
      let item = null
      try {
        if (!itemId) {
          const res = await api.get('/api/shop/flash/sessions')
          const it = (res.sessions || []).filter((s) => s.state !== 'ended').reduce((a, s) => a.concat(s.items || []), []).find((i) => i.product === this.id)
          itemId = it && it.id
        }
        if (itemId) item = await api.get('/api/shop/flash/items/' + encodeURIComponent(itemId))
      } catch (e) { item = null }
      if (!item || item.product !== this.id || item.session.state === 'ended') { this.setData({ flash: null }); return }
      const live = item.session.state === 'live'
      let blocker = ''
      if (!live) blocker = '即将开始'
      else if (item.sold_out) blocker = '已抢完'
      else if (item.per_user_limit > 0 && (item.bought || 0) >= item.per_user_limit) blocker = '已达限购'
      this.setData({
        flash: {
          id: item.id, sku: item.sku, live, blocker, soldOut: item.sold_out,
          priceText: yuan(item.flash_price), wasText: item.price ? yuan(item.price) : '',
          leftText: item.sold_out ? '已抢完' : `已抢 ${item.sold} 件 · 剩余 ${item.remaining} 件`,
          limitText: item.per_user_limit > 0 ? `每人限购 ${item.per_user_limit} 件${item.bought ? `（已购 ${item.bought} 件）` : ''}` : '',
          spec: item.spec_text || '',
        },
      })
      const t0 = Date.now()
      const total = live ? item.session.ends_in : item.session.starts_in
      const p = (n) => String(n).padStart(2, '0')
      const tick = () => {
        const s = Math.max(0, total - Math.floor((Date.now() - t0) / 1000))
        this.setData({ flashLeft: `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}` })
        if (s === 0) { clearInterval(this.flashTimer); setTimeout(() => this.loadFlash(item.id), 1000) }
      }
      tick()
      this.flashTimer = setInterval(tick, 1000)
    },
    // grab buys the flash SKU alone, at the flash price, through checkout
    grab() {
      const f = this.data.flash
      if (!f || f.blocker) return
      if (ui.needSignIn()) return
      wx.navigateTo({ url: `/pages/checkout/index?sku=${f.sku}&quantity=1&offer=${f.id}` })
    },
    // stock each sale or return leaves, over realtime
    watchStock() {
      this.data.skus.forEach((s) => {
        this.offs.push(realtime.subscribe('skus/' + s.id, (ev) => {
          if (!ev.record) return
          const skus = this.data.skus.map((x) => (x.id === ev.record.id ? Object.assign({}, x, ev.record) : x))
          this.setData({ skus, live: true })
          if (this.data.sku && this.data.sku.id === ev.record.id) this.choose(skus.find((x) => x.id === ev.record.id))
        }))
      })
    },
    choose(sku) {
      if (!sku) {
        this.setData({ sku: null, soldOut: true, stockText: '暂无规格', priceText: '' })
        return
      }
      const promo = this.promoPrices[sku.id]
      const price = promo && promo < sku.price ? promo : sku.price
      const original = sku.original_price > price ? sku.original_price : promo && promo < sku.price ? sku.price : 0
      const quantity = Math.max(1, Math.min(this.data.quantity, sku.stock || 1))
      this.setData({
        sku, quantity,
        priceText: yuan(price),
        originalText: original ? yuan(original) : '',
        stockText: sku.stock > 0 ? (sku.stock <= 10 ? `仅剩 ${sku.stock} 件` : `库存 ${sku.stock}`) : '已售罄',
        soldOut: !this.data.skus.some((s) => s.stock > 0),
      })
      this.updateEarn()
    },
    // 分享赚: the product's own level-1 commission, or the distributor's
    // level rate; the shop's default rate is not public, so no figure then
    async shareInfo() {
      const me = api.user()
      if (!me || !me.is_distributor) return
      try {
        this.link = await api.get('/api/shop/share/link', { product: this.id })
      } catch (e) { /* sharing off: plain share path */ }
      try {
        const summary = await api.get('/api/shop/distribution/summary')
        if (summary.level) {
          const levels = await api.list('distributor_levels', { filter: 'rank = ' + Number(summary.level), perPage: 1 })
          this.levelRate = levels.items[0] ? levels.items[0].rate_l1_bp : 0
        }
      } catch (e) { /* not shown */ }
      this.updateEarn()
    },
    updateEarn() {
      const me = api.user()
      const p = this.data.product
      const sku = this.data.sku
      if (!me || !me.is_distributor || !p || !sku) return
      let fen = 0
      if (p.commission_mode === 'fixed') fen = p.commission_l1
      else if (p.commission_mode === 'rate') fen = Math.floor(sku.price * p.commission_l1 / 10000)
      else if (this.levelRate) fen = Math.floor(sku.price * this.levelRate / 10000)
      this.setData({ shareEarn: fen > 0 ? '分享赚 ' + yuan(fen) : '分享赚佣金' })
    },
    preview() {
      if (this.data.images.length) wx.previewImage({ urls: this.data.images })
    },
    openPicker() { this.setData({ picker: true }) },
    closePicker() { this.setData({ picker: false }) },
    noop() {},
    pickSku(e) { this.choose(this.data.skus.find((s) => s.id === e.currentTarget.dataset.id)) },
    less() { if (this.data.quantity > 1) this.setData({ quantity: this.data.quantity - 1 }) },
    more() {
      if (this.data.sku && this.data.quantity < this.data.sku.stock) this.setData({ quantity: this.data.quantity + 1 })
      else ui.toast('库存不足')
    },
    confirmPicker() {
      this.setData({ picker: false })
      if (this.next === 'buy') this.buyNow()
      else if (this.next === 'cart') this.addToCart()
    },
    async addToCart() {
      if (ui.needSignIn()) return
      if (!this.data.picker && this.data.skus.length > 1 && !this.next) { this.next = 'cart'; return this.openPicker() }
      this.next = ''
      try {
        await api.post('/api/shop/cart/items', { sku: this.data.sku.id, quantity: this.data.quantity })
        ui.toast('已加入购物车', 'success')
      } catch (e) {
        ui.showError(e)
      }
    },
    buyNow() {
      if (ui.needSignIn()) return
      if (!this.data.picker && this.data.skus.length > 1 && !this.next) { this.next = 'buy'; return this.openPicker() }
      this.next = ''
      wx.navigateTo({ url: `/pages/checkout/index?sku=${this.data.sku.id}&quantity=${this.data.quantity}` })
    },
    toPromote() { wx.navigateTo({ url: '/pages/promote/index?product=' + this.id }) },
    onShareAppMessage() {
      const p = this.data.product || {}
      return {
        title: p.title || '好物推荐',
        path: ui.sharePath('/pages/product/index', { id: this.id }, this.link),
        imageUrl: this.data.images[0],
      }
    },
    onShareTimeline() {
      const path = ui.sharePath('', { id: this.id }, this.link)
      return { title: (this.data.product || {}).title, query: path.replace(/^\?/, ''), imageUrl: this.data.images[0] }
    },
  },
})
