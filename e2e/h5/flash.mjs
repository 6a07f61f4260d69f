// Flash sale from the H5: the home strip leads to the product page, which
// shows the flash price, the slot's countdown, units left and the limit;
// 立即抢购 orders at the flash price with the offer, and pays (sandbox).
// The limit of one then shows 已达限购; an item whose stock is gone shows 已抢完.
import { run, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, findUser, phonePage } from './steps.mjs';

await run(async (browser) => {
  const token = await adminToken();
  const buyer = await findUser(`email = 'zhaolei@fenxiao.demo'`);
  await api('POST', '/api/collections/addresses/records', { token, body: {
    user: buyer.id, name: '赵磊', phone: '13600003333', province: '江苏', city: '南京市', detail: '鼓楼区中山路 1 号', is_default: true } });

  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'zhaolei@fenxiao.demo');
  await page.goto(BASE_URL + '/#/', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.flash .fitem');
  const sessions = await api('GET', '/api/shop/flash/sessions');
  const [item, other] = sessions.sessions.find((s) => s.state === 'live').items;
  await page.click(`.flash .fitem[href*="flash=${item.id}"]`);

  await page.waitForSelector('.flash-bar');
  const bar = await page.textContent('.flash-bar');
  assert(bar.includes('限时秒杀') && bar.includes('距结束') && bar.includes((item.flash_price / 100).toFixed(2)), 'flash price and countdown: ' + bar);
  const t1 = await page.textContent('#flash-left');
  assert(/^\d\d:\d\d:\d\d$/.test(t1), 'countdown ' + t1);
  await page.waitForFunction((t) => document.querySelector('#flash-left').textContent !== t, t1);
  const info = await page.textContent('.flash-info');
  assert(info.includes(`剩余 ${item.remaining} 件`) && info.includes('每人限购 1 件'), 'left and limit: ' + info);
  assertEq(await page.textContent('#buy'), '立即抢购', 'the buy button grabs the flash offer');
  await shot(page, 'f01-product-flash');

  await page.click('#buy');
  await page.waitForSelector('#submit:not([disabled])');
  const lines = await page.textContent('.lines');
  assert(lines.includes('秒杀') && lines.includes((item.flash_price / 100).toFixed(2)), 'flash line at the flash price: ' + lines);
  await page.click('[data-d="1"]');
  assertEq(await page.inputValue('#qty'), '1', 'the limit of one caps the quantity');
  await shot(page, 'f02-flash-checkout');
  const placed = page.waitForResponse((r) => r.url().endsWith('/api/shop/checkout'));
  await page.click('#submit');
  const order = await (await placed).json();
  assertEq(order.offer_kind, 'flash', 'the order is a flash order');
  await page.waitForSelector('.methods');
  await page.check('input[value=sandbox]');
  // hold the pay answer back: the order's realtime event takes the buyer to
  // the order first, and the late answer must not pull them back there
  // from the product page they go to next
  let release;
  const held = new Promise((r) => { release = r; });
  const payUrl = '**/api/shop/orders/*/pay';
  await page.route(payUrl, async (route) => {
    const res = await route.fetch();
    await held;
    await route.fulfill({ response: res });
  });
  const payButton = await page.$('#pay'); // still watchable once off the page
  await page.click('#pay');
  await page.waitForURL('**/#/o/**');
  const rec = await api('GET', `/api/collections/orders/records/${order.id}`, { token });
  assertEq(rec.status, 'paid', 'the flash order is paid');
  assertEq(rec.goods_amount ?? rec.payable - (rec.shipping_fee || 0), item.flash_price, 'paid at the flash price');

  // back on the product: the buyer reached the limit
  await page.goto(BASE_URL + `/#/p/${item.product}?flash=${item.id}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.flash-info:has-text("已购 1 件")');
  const answered = page.waitForResponse((r) => r.url().endsWith(`/orders/${order.id}/pay`));
  release();
  await answered;
  // busy() re-enables the button when the pay handler ends: by then a late
  // answer would have moved the buyer
  await page.waitForFunction((b) => !b.disabled, payButton);
  assert(page.url().includes('#/p/'), 'a late pay answer moved the buyer off the product page: ' + page.url());
  await page.unroute(payUrl);
  assertEq(await page.textContent('#buy'), '已达限购', 'limit reached');
  assert(await page.isDisabled('#buy'), 'cannot buy again');
  await shot(page, 'f03-limit-reached');

  // the other item sells out: 已抢完
  const fi = await api('GET', `/api/collections/flash_items/records/${other.id}`, { token });
  await api('PATCH', `/api/collections/flash_items/records/${other.id}`, { token, body: { stock: fi.sold } });
  await page.goto(BASE_URL + `/#/p/${other.product}?flash=${other.id}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.flash-bar.gone');
  assertEq(await page.textContent('#buy'), '已抢完', 'sold out');
  await shot(page, 'f04-sold-out');
  assertEq(errors, [], 'no page errors');
});
