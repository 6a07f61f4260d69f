// Level privileges in the storefront: a guest finds the early-access tea
// marked in search; 陈静 (no level) sees it but cannot buy it (the page names
// the opening time, the API refuses with not_yet_on_sale), sees the V2
// price of the teapot as something to reach and only the course for every
// distributor; 王芳 (V2) sees the V2 price as hers, the early tea open to
// her and her V2 course, and orders the teapot at the price shown.
import { run, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, textOf, phonePage } from './steps.mjs';

const fen = (s) => Math.round(parseFloat(s.replace(/[^\d.]/g, '')) * 100);
const signIn = async (email) => (await api('POST', '/api/collections/users/auth-with-password', { body: { identity: email, password: 'demo123456' } }));

await run(async (browser) => {
  const admin = await adminToken();
  const find = async (title) => (await api('GET', '/api/collections/products/records?filter=' + encodeURIComponent(`title = '${title}'`), { token: admin })).items[0];
  const tea = await find('白毫银针 头采 100g');
  const pot = await find('宜兴紫砂壶 西施壶 200ml');
  assert(tea && pot, 'the demo has the early tea and the teapot');
  const teaSku = (await api('GET', '/api/collections/skus/records?filter=' + encodeURIComponent(`product = '${tea.id}'`), { token: admin })).items[0];

  // guest: search marks the early-access tea
  const guest = await phonePage(browser);
  const guestErrors = watchErrors(guest.page);
  await guest.page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent('白毫银针'), { waitUntil: 'domcontentloaded' });
  await guest.page.waitForSelector('.pcard .tag.level');
  assertEq(await textOf(guest.page, '.pcard .tag.level'), 'V2提前购', 'the card tag');
  await shot(guest.page, 'l01-guest-search-early');
  assertEq(guestErrors, [], 'no page errors (guest)');

  // 陈静, a distributor without a level
  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'chenjing@fenxiao.demo', 'demo123456', '#/p/' + tea.id);
  await page.waitForSelector('#early');
  const banner = await textOf(page, '#early');
  assert(/V2及以上 提前购，\d\d-\d\d \d\d:\d\d 开放/.test(banner), 'the early-access banner: ' + banner);
  await page.waitForSelector('#buy[disabled]');
  assert(/\d\d-\d\d \d\d:\d\d 开放/.test(await textOf(page, '#buy')), 'the buy button names the opening');
  assert(await page.locator('#add[disabled]').count() === 1, 'no adding to the cart either');
  await shot(page, 'l02-early-locked');
  const chen = await signIn('chenjing@fenxiao.demo');
  const refused = await fetch(BASE_URL + '/api/shop/cart/items', { method: 'POST', headers: { 'Content-Type': 'application/json', Authorization: chen.token }, body: JSON.stringify({ sku: teaSku.id, quantity: 1 }) });
  assertEq(refused.status, 409, 'the API refuses the early tea');
  assertEq((await refused.json()).data.error.code, 'not_yet_on_sale', 'with its code');

  await page.goto(BASE_URL + '/#/p/' + pot.id, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.tag.level.ghost');
  assertEq(await textOf(page, '.tag.level.ghost'), 'V2价 ¥358.00', 'the V2 price as something to reach');
  assertEq(await page.locator('.prow.big .tag.level').count(), 0, 'no level price of her own');
  await shot(page, 'l03-teapot-v0');

  await page.goto(BASE_URL + '/#/dist/materials', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.course');
  const courses = await page.locator('.course h4').allTextContents();
  assert(courses.some((t) => t.includes('新手入门')), 'the course for everyone: ' + courses);
  assert(!courses.some((t) => t.includes('爆款选品')), 'not the V2 course: ' + courses);
  assert((await textOf(page, '#next-level')).includes('下一等级'), 'what the next level unlocks');
  await shot(page, 'l04-materials-v0');
  assertEq(errors, [], 'no page errors (陈静)');

  // 王芳, V2
  const wctx = await phonePage(browser);
  const wpage = wctx.page;
  const werrors = watchErrors(wpage);
  await emailSignIn(wpage, 'wangfang@fenxiao.demo', 'demo123456', '#/p/' + tea.id);
  await wpage.waitForSelector('#early small');
  assert((await textOf(wpage, '#early small')).includes('你是V2'), 'the early tea is open to her');
  await wpage.waitForSelector('#buy:not([disabled])');
  assertEq(await textOf(wpage, '#buy'), '立即购买', 'she can buy it now');
  await shot(wpage, 'l05-early-open-v2');

  await wpage.goto(BASE_URL + '/#/dist/materials', { waitUntil: 'domcontentloaded' });
  await wpage.waitForSelector('.course');
  assert((await wpage.locator('.course h4').allTextContents()).some((t) => t.includes('爆款选品')), 'her V2 course');
  await shot(wpage, 'l06-materials-v2');

  await wpage.goto(BASE_URL + '/#/p/' + pot.id, { waitUntil: 'domcontentloaded' });
  await wpage.click('#add');
  await wpage.click('.sheet [data-sku]:has-text("朱泥")');
  await wpage.waitForSelector('#sku-price .tag.level');
  assertEq(fen(await textOf(wpage, '#sku-price .price')), 35800, 'the V2 price in the SKU sheet');
  assertEq(await textOf(wpage, '#sku-price .tag.level'), 'V2价', 'named as hers');
  await wpage.waitForTimeout(300);
  await shot(wpage, 'l07-sheet-v2');
  await wpage.click('#sku-ok');
  await wpage.waitForSelector('.toast:has-text("已加入购物车")');

  // only the teapot selected, then the cart and checkout
  const wang = await signIn('wangfang@fenxiao.demo');
  const cart = await api('GET', '/api/shop/cart', { token: wang.token });
  const line = cart.lines.find((l) => l.spec_text === '朱泥');
  assertEq([line.unit_price, line.price_label, line.base_price], [35800, 'V2', 39800], 'the cart line at the V2 price');
  await api('POST', '/api/shop/cart/select', { token: wang.token, body: { selected: false } });
  await api('POST', '/api/shop/cart/select', { token: wang.token, body: { ids: [line.id], selected: true } });
  const addrs = await api('GET', '/api/collections/addresses/records', { token: wang.token });
  if (!addrs.items.length) {
    await api('POST', '/api/collections/addresses/records', { token: wang.token, body: { user: wang.record.id, name: '王芳', phone: '13800000001', province: '浙江省', city: '杭州市', district: '西湖区', detail: '文三路 1 号', is_default: true } });
  }
  await wpage.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await wpage.waitForSelector('.cline .tag.level');
  await shot(wpage, 'l08-cart-v2');
  await wpage.click('#go');
  await wpage.waitForSelector('.price.total');
  const total = fen(await textOf(wpage, '.price.total'));
  await shot(wpage, 'l09-checkout-v2');
  await wpage.click('#submit');
  await wpage.waitForSelector('.methods');
  const orderId = wpage.url().split('#/pay/')[1];
  const order = await api('GET', `/api/collections/orders/records/${orderId}`, { token: admin });
  assertEq(order.payable, total, 'the order charges what checkout showed');
  const items = await api('GET', '/api/collections/order_items/records?filter=' + encodeURIComponent(`order = '${orderId}'`), { token: admin });
  assertEq(items.items.find((i) => !i.is_gift).unit_price, 35800, 'booked at the V2 price');
  assertEq(werrors, [], 'no page errors (王芳)');
});
