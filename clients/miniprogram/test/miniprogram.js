// The mini-program against the real shop binary (started by
// go test ./e2e -run TestMiniProgram with the demo data, sandbox payment and
// a fake of WeChat's server APIs). Exits non-zero on the first failure.
const path = require('path')
const fs = require('fs')
const http = require('http')
const { Worker } = require('worker_threads')
const { setup, waitFor, raw, assert, ROOT } = require('./device')
const preview = require('./preview')

const { ADMIN_EMAIL, ADMIN_PASSWORD } = process.env
const PNG = path.join(ROOT, 'images', 'tab-home-on.png')

function worker(file, data) {
  const w = new Worker(path.join(__dirname, file), { workerData: data, env: process.env })
  const inbox = []
  let waiting = null
  w.on('message', (m) => {
    if (m.type === 'error') {
      console.error(`${file} failed:\n${m.error}`)
      process.exit(1)
    }
    inbox.push(m)
    if (waiting) waiting()
  })
  w.on('error', (e) => { console.error(file, e); process.exit(1) })
  w.next = async (type, ms = 30000) => {
    await waitFor(() => inbox.some((m) => m.type === type), ms, `${file}: no "${type}" message`)
    return inbox.splice(inbox.findIndex((m) => m.type === type), 1)[0]
  }
  return w
}

const steps = []
const step = (name, fn) => steps.push({ name, fn })
const ctx = {}

step('SSE parser and UTF-8 decoder take any cut of the stream', async () => {
  const { createParser } = require(path.join(ROOT, 'lib/sse'))
  const { createDecoder, base64UrlDecode } = require(path.join(ROOT, 'lib/utf8'))
  const stream = Buffer.from('id: 1\r\nevent: PB_CONNECT\r\ndata: {"clientId":"c1"}\r\n\r\n: ping\n\n' +
    'event: commissions/*\ndata: {"action":"create","record":{"formula":"¥268.00 × 10.00% = ¥26.80 (一级)"}}\n\n')
  const TD = global.TextDecoder
  for (const native of [true, false]) {
    // without TextDecoder (older base libraries) the module's own decoder runs
    global.TextDecoder = native ? TD : undefined
    for (let size = 1; size <= 9; size++) {
      const events = []
      const parse = createParser((e) => events.push(e))
      const decode = createDecoder()
      for (let i = 0; i < stream.length; i += size) {
        const piece = stream.subarray(i, i + size)
        parse(decode(piece.buffer.slice(piece.byteOffset, piece.byteOffset + piece.length)))
      }
      assert(events.length === 2 && events[0].event === 'PB_CONNECT' && JSON.parse(events[0].data).clientId === 'c1', 'connect event, cut ' + size)
      assert(JSON.parse(events[1].data).record.formula === '¥268.00 × 10.00% = ¥26.80 (一级)', 'Chinese intact, cut ' + size + ' native ' + native)
    }
  }
  global.TextDecoder = TD
  const payload = Buffer.from(JSON.stringify({ exp: 1800000000, name: '张' })).toString('base64url')
  assert(JSON.parse(base64UrlDecode(payload)).name === '张', 'JWT payload decoding')
})

step('a product photo through the admin API (thumbs in lists)', async () => {
  const admin = await raw('POST', '/api/collections/_superusers/auth-with-password', { identity: ADMIN_EMAIL, password: ADMIN_PASSWORD })
  ctx.admin = admin.token
  const list = await raw('GET', '/api/collections/products/records?filter=' + encodeURIComponent("title ~ '龙井'"), undefined, ctx.admin)
  ctx.product = list.items[0]
  const boundary = '----fxadmin'
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="images+"; filename="tea.png"\r\nContent-Type: image/png\r\n\r\n`),
    fs.readFileSync(PNG),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ])
  await raw('PATCH', '/api/collections/products/records/' + ctx.product.id, body, ctx.admin, { 'Content-Type': 'multipart/form-data; boundary=' + boundary })

  // this journey buys at list price: the demo shop's promotions go off, and
  // the stock shown is what the demo's own orders left
  const promos = await raw('GET', '/api/collections/promotions/records?perPage=200&filter=' + encodeURIComponent('active = true'), undefined, ctx.admin)
  for (const promo of promos.items) {
    await raw('PATCH', '/api/collections/promotions/records/' + promo.id, { active: false }, ctx.admin)
  }
  const skus = await raw('GET', '/api/collections/skus/records?filter=' + encodeURIComponent(`product = '${ctx.product.id}'`), undefined, ctx.admin)
  assert(skus.items.length === 1, 'the tea has one SKU')
  ctx.stock = skus.items[0].stock
})

step('the upline signs in on their phone, shares the product and opens the centre', async () => {
  ctx.upline = worker('upline.js', { person: 'upline', productId: ctx.product.id })
  ctx.up = await ctx.upline.next('ready', 60000)
  assert(/^[A-Za-z0-9]{8}$/.test(ctx.up.linkCode), 'link code ' + ctx.up.linkCode)
})

step('entry from a share card: the click is counted, the product opens', async () => {
  const d = ctx.d = setup({
    person: 'buyer',
    media: [PNG],
    address: { userName: '张小凡', telNumber: '13800138000', provinceName: '浙江省', cityName: '杭州市', countyName: '西湖区', detailInfo: '文三路 100 号', postalCode: '310000' },
  })
  d.app.onShow.call(d.app, { path: 'pages/product/index', scene: 1007, query: { id: ctx.product.id, inviter: ctx.up.inviteCode, source: 'link', scene: ctx.up.linkCode } })
  assert((await d.app.globalData.entry) === ctx.product.id, 'the click answers the shared product')
  const pending = d.referral.pending()
  assert(pending && pending.inviter === ctx.up.inviteCode && pending.scene === ctx.up.linkCode, 'sharer kept: ' + JSON.stringify(pending))
  const stats = await raw('GET', '/api/shop/distribution/stats', undefined, ctx.up.token)
  assert(stats.totals.clicks === 1, 'one click counted: ' + JSON.stringify(stats.totals))

  const p = ctx.productPage = d.page('product', { id: ctx.product.id })
  await p.waitText('明前龙井')
  await p.waitText('¥268.00')
  await p.waitText('库存 ' + ctx.stock)
  // the demo's two drawn images and the photo uploaded above, as file URLs
  assert(p.data.images.length === 3 && p.data.images.every((u) => u.includes('/api/files/')) &&
    p.data.images.some((u) => /\/tea_[a-z0-9]+\.png$/.test(u)), 'gallery ' + p.data.images)
  preview.snapshot(p, 'product')
  // a visitor's share carries no inviter of their own
  assert(p.instance.onShareAppMessage().path === '/pages/product/index?id=' + ctx.product.id, 'guest share path')
})

step('wx.login sign-in binds the sharer at sign-up', async () => {
  const d = ctx.d
  const me = ctx.me = d.page('me', {})
  me.instance.onShow()
  await me.waitText('微信一键登录')
  await me.waitText('邀请你来逛逛')
  preview.snapshot(me, 'me-guest')
  await me.tap('.signin')
  await waitFor(() => me.$('.invite-code'), 15000, 'no invite code after sign-in: ' + me.text())
  await me.waitText('推荐人')
  const ref = await d.api.get('/api/shop/referral/me')
  assert(ref.upline && ref.upline.invite_code === ctx.up.inviteCode, 'upline ' + JSON.stringify(ref))
  assert(ref.bound_source === 'link', 'bound source ' + ref.bound_source)
  assert(!d.referral.pending(), 'the kept sharer is dropped once bound')
  const stats = await raw('GET', '/api/shop/distribution/stats', undefined, ctx.up.token)
  assert(stats.totals.signups === 1, 'sign-up counted for the link: ' + JSON.stringify(stats.totals))
  // the buyer's own shares now carry their code
  const share = ctx.productPage.instance.onShareAppMessage()
  assert(share.path.includes('inviter=' + d.api.user().invite_code), 'share path ' + share.path)
})

step('the getPhoneNumber button stores the verified number', async () => {
  const me = ctx.me
  await me.instance.onPhone({ detail: { code: 'phone-13912345678' } })
  await me.waitText('139****5678')
  preview.snapshot(me, 'me')
  const u = await ctx.d.api.view('users', ctx.d.api.user().id)
  assert(u.phone === '13912345678', 'stored phone ' + u.phone)
})

step('cart to a paid order (sandbox)', async () => {
  const d = ctx.d
  await ctx.productPage.tap('.add')
  await waitFor(() => d.wx.callsOf('showToast').some((c) => c.arg.title === '已加入购物车'), 10000, 'not added to cart')

  const cart = d.page('cart', {})
  cart.instance.onShow()
  await cart.waitText('明前龙井')
  await cart.waitText('结算(1)')
  preview.snapshot(cart, 'cart')
  await cart.tap('.checkout')
  assert(d.wx.callsOf('navigateTo').pop().arg.url === '/pages/checkout/index', 'to checkout')

  const co = d.page('checkout', {})
  await co.loaded
  await co.waitText('从微信导入收货地址')
  await co.tap('.import')
  await co.waitText('张小凡')
  await co.waitText('¥268.00')
  preview.snapshot(co, 'checkout')
  await co.tap('.submit')
  const redirect = await waitFor(() => d.wx.callsOf('redirectTo').find((c) => c.arg.url.startsWith('/pages/pay/index?id=')), 15000, 'no order: ' + co.text())
  ctx.orderId = redirect.arg.url.split('=')[1]

  const pay = d.page('pay', { id: ctx.orderId })
  await pay.loaded
  await pay.waitText('沙箱支付')
  await pay.waitText('演示模式')
  preview.snapshot(pay, 'pay')
  // the deadline in China time, whatever the phone's zone
  const china = new Date(Date.parse(pay.data.order.expires_at.replace(' ', 'T')) + 8 * 3600e3).toISOString().slice(0, 16).replace('T', ' ')
  assert(pay.data.expiresText === china, 'deadline ' + pay.data.expiresText + ', want ' + china)
  assert(pay.data.method === 'sandbox', 'sandbox preselected without WeChat Pay: ' + pay.data.method)
  await pay.tap('.pay')
  await waitFor(() => d.wx.callsOf('redirectTo').some((c) => c.arg.url === '/pages/order/index?id=' + ctx.orderId), 15000, 'not paid: ' + pay.text())
  const order = await d.api.view('orders', ctx.orderId)
  assert(order.status === 'paid' && order.sandbox === true, 'order ' + order.status)
  ctx.orderNo = order.order_no
})

step("the upline's centre receives the commission over the chunked stream", async () => {
  const m = await ctx.upline.next('commission', 30000)
  const list = await raw('GET', '/api/collections/commissions/records?filter=' + encodeURIComponent(`order = '${ctx.orderId}'`), undefined, ctx.admin)
  const c = list.items.find((x) => x.beneficiary === ctx.up.userId)
  assert(c && c.level === 1, 'level-1 commission in the database')
  const yuan = '¥' + Math.floor(c.amount / 100) + '.' + String(c.amount % 100).padStart(2, '0')
  assert(m.mode === 'stream', 'realtime over the chunked stream, not polling: ' + m.mode)
  assert(m.latest.includes(yuan) && m.latest.includes('一级佣金'), 'centre shows ' + m.latest + ', want ' + yuan)
  assert(m.toast === '新佣金 ' + yuan, 'toast ' + m.toast)
  console.log('  upline saw:', m.latest)
})

step('order list follows the status live; tracking on the detail page', async () => {
  const d = ctx.d
  const orders = d.page('orders', {})
  // (the tab labels say 待发货 and 待收货 too: read the order's own row)
  const status = () => (orders.$('.order .status') || { dom: { textContent: '' } }).dom.textContent
  await orders.waitText(ctx.orderNo)
  assert(status() === '待发货', 'paid order shows ' + status())
  // the page's subscription is in place once one made after it is
  // (each subscription request carries them all)
  let subscribed = false
  const off = d.realtime.subscribe('orders/*', () => {}, () => { subscribed = true })
  await waitFor(() => subscribed, 10000, 'buyer subscription not in place')
  off()
  await raw('POST', `/api/shop/admin/orders/${ctx.orderId}/ship`, { tracking_company: 'yunda', tracking_no: 'YD20261204' }, ctx.admin)
  await waitFor(() => status() === '待收货', 10000, 'shipped order shows ' + status())
  assert(orders.data.live, 'the change came over realtime')
  preview.snapshot(orders, 'orders')

  const detail = d.page('order', { id: ctx.orderId })
  await detail.loaded
  await detail.waitText('YD20261204')
  // no tracking provider configured in this shop: a readable message, not a crash
  await detail.waitText('物流查询未开通')
  preview.snapshot(detail, 'order')
})

step('after-sale with a photo (wx.chooseMedia + wx.uploadFile)', async () => {
  const d = ctx.d
  const as = d.page('aftersale', { order: ctx.orderId })
  await as.loaded
  await as.waitText('可申请 1 件')
  as.instance.onReason({ detail: { value: '包装破损，茶叶受潮' } })
  as.instance.choosePhotos()
  await waitFor(() => as.data.photos.length === 1, 5000, 'no photo chosen')
  await as.tap('.submit')
  await waitFor(() => d.wx.callsOf('navigateBack').length, 15000, 'after-sale not submitted: ' + as.text())
  const list = await d.api.list('aftersales', { filter: 'order = ' + d.api.quote(ctx.orderId) })
  assert(list.items.length === 1 && list.items[0].photos.length === 1, 'after-sale with one photo: ' + JSON.stringify(list.items))
  // closed again so that the order can complete
  await d.api.post(`/api/shop/aftersales/${list.items[0].id}/close`, {})
})

step('browsing: search, categories, notifications; the token is refreshed', async () => {
  const d = ctx.d
  const search = d.page('search', { q: '龙井' })
  await search.waitText('共 1 件商品')
  await search.waitText('明前龙井')
  assert(search.data.products[0].thumb.includes('thumb='), 'search thumbs: ' + search.data.products[0].thumb)
  preview.snapshot(search, 'search')

  const cat = d.page('category', {})
  cat.instance.onShow()
  await cat.waitText('食品饮料')
  await waitFor(() => cat.data.products.length > 0, 10000, 'no products in the first category: ' + cat.text())
  const tea = cat.data.categories.find((c) => c.name === '茶叶')
  await cat.instance.select(tea.id)
  await cat.waitText('明前龙井')
  preview.snapshot(cat, 'category')

  const notes = d.page('notifications', {})
  await waitFor(() => notes.data.items.length > 0, 10000, 'no notifications: ' + notes.text())
  preview.snapshot(notes, 'notifications')

  const id = d.api.user().id
  const record = await d.api.refreshAuth()
  assert(record && record.id === id && d.api.signedIn(), 'token refreshed for the same user')
})

step('polling fallback where chunked transfer is unavailable', async () => {
  const d = ctx.d
  const poller = worker('poller.js', { token: d.api.token(), record: d.api.user(), orderNo: ctx.orderNo })
  await poller.next('ready', 30000)
  await d.api.post(`/api/shop/orders/${ctx.orderId}/confirm`, {})
  const m = await poller.next('updated', 30000)
  assert(m.mode === 'poll', 'poll mode')
  await poller.terminate()
})

step('entry from a mini-program code (scene only), sign-in later', async () => {
  const d = ctx.d
  d.api.clearAuth()
  d.wx.clearStorageSync()
  d.wx.person = 'dave'
  d.app.onShow.call(d.app, { path: 'pages/index/index', scene: 1047, query: { scene: encodeURIComponent(ctx.up.linkCode) } })
  const home = d.page('index', { scene: ctx.up.linkCode })
  await home.loaded
  // the link was about the product: the home page goes on to it
  assert(d.wx.callsOf('navigateTo').some((c) => c.arg.url === '/pages/product/index?id=' + ctx.product.id), 'home goes on to the product')
  await home.waitText('明前龙井')
  preview.snapshot(home, 'home')
  const pending = d.referral.pending()
  assert(pending && pending.inviter === ctx.up.inviteCode && pending.source === 'qr', 'inviter learnt from the click: ' + JSON.stringify(pending))

  // browsing first, signing in later
  await new Promise((r) => setTimeout(r, 200))
  await d.api.signInWithWeChat(d.referral.invitation())
  const ref = await d.api.get('/api/shop/referral/me')
  assert(ref.upline && ref.upline.invite_code === ctx.up.inviteCode && ref.bound_source === 'qr', 'dave bound: ' + JSON.stringify(ref))
})

step('a member who was signed in already is bound when they open a share card', async () => {
  const d = ctx.d
  d.api.clearAuth()
  d.wx.clearStorageSync()
  d.wx.person = 'carol'
  await d.api.signInWithWeChat(null)
  let ref = await d.api.get('/api/shop/referral/me')
  assert(!ref.upline, 'carol starts unbound')
  d.app.onShow.call(d.app, { path: 'pages/product/index', scene: 1007, query: { id: ctx.product.id, inviter: ctx.up.inviteCode } })
  await d.app.globalData.entry
  ref = await d.api.get('/api/shop/referral/me')
  assert(ref.upline && ref.upline.invite_code === ctx.up.inviteCode, 'carol bound through the bind route: ' + JSON.stringify(ref))
  const stats = await raw('GET', '/api/shop/distribution/stats', undefined, ctx.up.token)
  // every phone here is one visitor to the server (same IP and user agent),
  // counted once per link within the click window; carol's card had no
  // link scene, so her binding is not the link's
  assert(stats.totals.clicks === 1 && stats.totals.signups === 2 && stats.totals.paid_orders === 1, 'link statistics ' + JSON.stringify(stats.totals))
})

step('the upline withdraws to a bank card', async () => {
  await raw('POST', '/api/shop/admin/rewards', { user: ctx.up.userId, amount: 5000, reason: '测试奖励' }, ctx.admin)
  ctx.upline.postMessage({ type: 'withdraw', balanceText: '¥50.00' })
  const w = await ctx.upline.next('withdrawn', 30000)
  preview.add(w.snapshots)
  const list = await raw('GET', '/api/collections/withdrawals/records?filter=' + encodeURIComponent(`user = '${ctx.up.userId}'`), undefined, ctx.admin)
  assert(list.items.length === 1 && list.items[0].amount === 3050 && list.items[0].status === 'pending' && list.items[0].channel === 'bank',
    'withdrawal ' + JSON.stringify(list.items))
})

step('API module: readable Chinese errors, GET retries, thumbs', async () => {
  const { api } = ctx.d
  let err = await api.post('/api/shop/checkout', { address: 'nosuchaddress00' }).catch((e) => e)
  assert(err instanceof api.ApiError && /[\u4e00-\u9fff]/.test(err.message) && !err.message.includes(' / '), 'checkout error: ' + err.message)
  err = await api.post('/api/collections/addresses/records', { user: api.user().id, name: '李', phone: 'abc', province: '浙江', detail: '某路' }).catch((e) => e)
  assert(err.message === '手机号格式不正确', 'field error: ' + err.message)
  err = await api.get('/api/collections/orders/records/doesnotexist123').catch((e) => e)
  assert(err.status === 404 && err.message === '内容不存在或已下架', '404: ' + err.message)

  // a flaky server: two 503s, then the answer
  let hits = 0
  const flaky = http.createServer((req, res) => {
    hits++
    res.writeHead(hits < 3 ? 503 : 200, { 'Content-Type': 'application/json' })
    res.end(hits < 3 ? '{"status":503,"message":"busy","data":{}}' : '{"ok":true}')
  })
  await new Promise((r) => flaky.listen(0, '127.0.0.1', r))
  const res = await api.get(`http://127.0.0.1:${flaky.address().port}/x`)
  assert(res.ok && hits === 3, 'GET retried: ' + hits)
  hits = 0
  err = await api.post(`http://127.0.0.1:${flaky.address().port}/x`, {}).catch((e) => e)
  assert(hits === 1 && err.status === 503 && err.message === '服务器开小差了，请稍后再试', 'POST not retried: ' + hits + ' ' + err.message)
  flaky.close()

  const p = await api.view('products', ctx.product.id)
  const url = api.fileURL(p, p.images[0], '100x100')
  const head = await new Promise((r) => http.get(url, (res) => { res.resume(); r(res) }))
  assert(head.statusCode === 200 && head.headers['content-type'] === 'image/png', 'thumb ' + url + ' ' + head.statusCode)
})

step('余额支付 on the checkout page places and pays the order at once', async () => {
  const d = ctx.d
  await raw('POST', '/api/shop/admin/rewards', { user: d.api.user().id, amount: 100000, reason: '推广奖励' }, ctx.admin)
  await d.api.post('/api/collections/addresses/records', { user: d.api.user().id, name: '李雷', phone: '13800001234', province: '浙江省', city: '杭州市', detail: '西湖区文三路 1 号', is_default: true })
  const skus = await d.api.list('skus', { filter: 'product = ' + d.api.quote(ctx.product.id) })
  await d.api.post('/api/shop/cart/items', { sku: skus.items[0].id, quantity: 1 })
  const before = (await d.api.get('/api/shop/wallet')).available

  const co = d.page('checkout', {})
  await co.loaded
  await waitFor(() => co.data.byBalance, 10000, 'no 余额支付: ' + co.text())
  assert(co.data.balanceText.startsWith('可用 ¥'), 'balance shown: ' + co.data.balanceText)
  preview.snapshot(co, 'checkout-balance')
  const redirects = d.wx.callsOf('redirectTo').length
  await co.tap('.pay-balance')
  await waitFor(() => d.wx.callsOf('redirectTo').length > redirects, 15000, 'not placed: ' + co.text() + ' ' + co.data.error)
  const url = d.wx.callsOf('redirectTo').pop().arg.url
  assert(url.startsWith('/pages/order/index?id='), 'to the paid order, not the cashier: ' + url)
  const order = await d.api.view('orders', url.split('=')[1])
  assert(order.status === 'paid' && order.pay_method === 'balance', 'order ' + order.status + ' by ' + order.pay_method)
  const after = (await d.api.get('/api/shop/wallet')).available
  assert(before - after === order.payable, `balance ${before} → ${after} for ${order.payable}`)
  ctx.balanceOrder = order
})

step('the order page catches up on a change made while it subscribed', async () => {
  const d = ctx.d
  const o = ctx.balanceOrder
  // the subscription request is held back while the merchant ships: the
  // shipment's event goes out before the page listens
  d.wx.hold = (method, p) => method === 'POST' && p === '/api/realtime'
  const detail = d.page('order', { id: o.id })
  await detail.loaded
  assert(detail.data.statusText === '待发货', 'paid order shows ' + detail.data.statusText)
  await waitFor(() => d.wx.held.length > 0, 10000, 'no subscription request')
  await raw('POST', `/api/shop/admin/orders/${o.id}/ship`, { tracking_company: 'yunda', tracking_no: 'YD20261207' }, ctx.admin)
  d.wx.release()
  await detail.waitText('YD20261207')
  assert(detail.data.statusText === '待收货', 'shipped order shows ' + detail.data.statusText)
  assert(!detail.data.live, 'seen by reading again once subscribed, not by the missed event')
  detail.instance.onUnload()
})

async function run() {
  for (const s of steps) {
    const t = Date.now()
    try {
      await s.fn()
    } catch (e) {
      console.error(`FAIL ${s.name}\n${e.stack || e}`)
      process.exit(1)
    }
    console.log(`ok   ${s.name} (${Date.now() - t} ms)`)
  }
  const shots = await preview.photograph()
  console.log('screenshots:', shots.join(' '))
  process.exit(0)
}

run()
