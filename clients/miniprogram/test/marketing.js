// Coupons and flash sales in the mini-program against the real binary (go
// test ./e2e -run TestMiniProgramMarketing, demo data): the home page's
// flash slot with its countdown, the coupon centre, 我的优惠券, and the
// coupon picker at checkout ending in an order that used the chosen coupon.
const path = require('path')
const { setup, waitFor, raw, assert, ROOT } = require('./device')
const preview = require('./preview')

const { ADMIN_EMAIL, ADMIN_PASSWORD } = process.env

async function main() {
  const admin = (await raw('POST', '/api/collections/_superusers/auth-with-password', { identity: ADMIN_EMAIL, password: ADMIN_PASSWORD })).token
  const d = setup({ person: 'coupons' })

  // home: the demo's running slot, counting down from the server's seconds
  const home = d.page('index', {})
  await home.loaded
  await waitFor(() => home.data.flash && home.data.flashLeft, 10000, 'no flash slot: ' + home.text())
  await home.waitText('距结束')
  const sessions = await raw('GET', '/api/shop/flash/sessions')
  const slot = sessions.sessions.find((s) => s.state === 'live')
  assert(home.$$('.fitem').length === slot.items.length, 'every item of the slot on the strip')
  const yuan = (f) => '¥' + Math.floor(f / 100) + '.' + String(f % 100).padStart(2, '0')
  await home.waitText(yuan(slot.items[0].flash_price))
  assert(/^\d\d:\d\d:\d\d$/.test(home.data.flashLeft), 'countdown ' + home.data.flashLeft)
  const t1 = home.data.flashLeft
  await waitFor(() => home.data.flashLeft !== t1, 3000, 'the countdown does not tick')
  await home.tap('.fitem')
  const nav = d.wx.callsOf('navigateTo').pop().arg.url
  assert(nav === `/pages/product/index?id=${slot.items[0].product}&flash=${slot.items[0].id}`, 'to the flash product: ' + nav)
  preview.snapshot(home, 'mp-home-flash')
  home.instance.onUnload()

  // sign in (wx.login against the WeChat fake)
  const me = d.page('me', {})
  me.instance.onShow()
  await me.waitText('微信一键登录')
  await me.tap('.signin')
  await waitFor(() => me.$('.invite-code'), 15000, 'not signed in: ' + me.text())
  await me.waitText('我的优惠券')

  // the coupon centre: claim 满100减10
  const center = d.page('coupons', {})
  await center.loaded
  await center.waitText('满100减10')
  await center.waitText('满100元可用')
  await center.waitText('领取后 30 天内有效')
  const idx = center.data.items.findIndex((t) => t.name === '满100减10')
  assert(idx >= 0 && !center.data.items[idx].state.off, 'claimable: ' + JSON.stringify(center.data.items[idx]))
  await center.instance.claim({ currentTarget: { dataset: { id: center.data.items[idx].id } } })
  await waitFor(() => d.wx.callsOf('showToast').some((c) => c.arg.title === '领取成功，下单时自动使用'), 10000, 'no claim toast')
  await waitFor(() => center.data.items.find((t) => t.name === '满100减10').state.text === '已领取', 10000, 'not shown claimed: ' + center.text())
  preview.snapshot(center, 'mp-coupon-center')

  // 我的优惠券: the claimed one and the sign-up gift
  const mine = d.page('mycoupons', {})
  await mine.loaded
  await mine.waitText('满100减10')
  await mine.waitText('去使用')
  preview.snapshot(mine, 'mp-my-coupons')
  await mine.instance.pick({ currentTarget: { dataset: { v: 'used' } } })
  await waitFor(() => mine.data.tab === 'used' && !mine.data.loading, 5000, 'used tab')
  await mine.waitText('还没有用过优惠券')

  // checkout with the picker: a ¥268 tea in the cart, at list price (the
  // demo's promotions do not stack with coupons, so they go off)
  const promos = await raw('GET', '/api/collections/promotions/records?perPage=200&filter=' + encodeURIComponent('active = true'), undefined, admin)
  for (const promo of promos.items) await raw('PATCH', '/api/collections/promotions/records/' + promo.id, { active: false }, admin)
  const list = await raw('GET', '/api/collections/products/records?filter=' + encodeURIComponent("title ~ '龙井'"), undefined, admin)
  const skus = await raw('GET', '/api/collections/skus/records?filter=' + encodeURIComponent(`product = '${list.items[0].id}'`), undefined, admin)
  const line = await d.api.post('/api/shop/cart/items', { sku: skus.items[0].id, quantity: 1 })
  await d.api.post('/api/shop/cart/select', { selected: false })
  await d.api.post('/api/shop/cart/select', { ids: [line.id], selected: true })
  await d.api.post('/api/collections/addresses/records', { user: d.api.user().id, name: '陈晨', phone: '13700001111', province: '广东省', city: '深圳市', detail: '南山区科技园 1 号', is_default: true })

  const co = d.page('checkout', {})
  await co.loaded
  await co.waitText('陈晨')
  await waitFor(() => co.data.coupon, 10000, 'the server picked no coupon: ' + co.text())
  const best = co.data.coupon
  await co.tap('.coupon-pick')
  await co.waitText('不使用优惠券')
  await co.waitText('满100减10')
  assert(co.data.coupons.length >= 2 && co.data.coupons[0].usable, 'usable coupons first: ' + JSON.stringify(co.data.coupons.map((c) => [c.name, c.usable])))
  preview.snapshot(co, 'mp-checkout-coupons')
  await co.tap('.no-coupon')
  await waitFor(() => !co.data.coupon && co.data.usableCount > 0, 10000, 'none not taken: ' + co.text())
  await co.waitText('张可用')
  // choose 满100减10 explicitly
  const tenOff = co.data.coupons.find((c) => c.name === '满100减10')
  assert(tenOff && tenOff.usable, '满100减10 usable on ¥268')
  await co.instance.pickCoupon({ currentTarget: { dataset: { id: tenOff.id } } })
  await waitFor(() => co.data.coupon && co.data.coupon.id === tenOff.id, 10000, 'not chosen')
  await co.waitText('-¥10.00')
  assert(best.id, 'the best pick existed before the buyer chose')
  await co.tap('.submit')
  const redirect = await waitFor(() => d.wx.callsOf('redirectTo').find((c) => c.arg.url.startsWith('/pages/pay/index?id=')), 15000, 'no order: ' + co.text())
  const order = await raw('GET', '/api/collections/orders/records/' + redirect.arg.url.split('=')[1], undefined, admin)
  assert(order.coupon === tenOff.id && order.coupon_amount === 1000, 'order used the chosen coupon: ' + order.coupon + ' ' + order.coupon_amount)

  // the flash item from the home strip: price, countdown, limit, 立即抢购
  const item = slot.items[0]
  const prod = d.page('product', { id: item.product, flash: item.id })
  await prod.loaded
  await waitFor(() => prod.data.flash && prod.data.flashLeft, 10000, 'no flash on the product: ' + prod.text())
  await prod.waitText('限时秒杀')
  await prod.waitText(yuan(item.flash_price))
  await prod.waitText('每人限购 1 件')
  await prod.waitText('立即抢购')
  preview.snapshot(prod, 'mp-product-flash')
  await prod.tap('.grab')
  const to = d.wx.callsOf('navigateTo').pop().arg.url
  assert(to === `/pages/checkout/index?sku=${item.sku}&quantity=1&offer=${item.id}`, 'to checkout with the offer: ' + to)
  const fco = d.page('checkout', { sku: item.sku, quantity: '1', offer: item.id })
  await fco.loaded
  await fco.waitText('秒杀')
  await fco.waitText(yuan(item.flash_price))
  const before = d.wx.callsOf('redirectTo').length
  await fco.tap('.submit')
  const r2 = await waitFor(() => d.wx.callsOf('redirectTo').length > before && d.wx.callsOf('redirectTo').pop(), 15000, 'no flash order: ' + fco.text())
  const fo = await raw('GET', '/api/collections/orders/records/' + r2.arg.url.split('=')[1], undefined, admin)
  assert(fo.offer_kind === 'flash' && fo.goods_amount === item.flash_price, 'flash order at the flash price: ' + fo.offer_kind + ' ' + fo.goods_amount)
  prod.instance.onUnload()
  const again = d.page('product', { id: item.product, flash: item.id })
  await again.loaded
  await again.waitText('已达限购')
  await again.waitText('已购 1 件')
  again.instance.onUnload()

  const shots = await preview.photograph()
  console.log('screenshots:', shots.join(', '))
}

main().then(() => process.exit(0), (e) => { console.error(e); process.exit(1) })
