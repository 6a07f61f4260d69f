// Coupons: a demo shopper sees the flash-sale strip on the home page,
// claims a coupon in the centre, finds it in 我的优惠券, and at checkout
// sees its discount, drops it (不使用) and picks it again before ordering;
// the order is booked with the coupon the page showed.
import { run, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, textOf, phonePage } from './steps.mjs';

const fen = (s) => Math.round(parseFloat(s.replace(/[^\d.]/g, '')) * 100);

await run(async (browser) => {
  const token = await adminToken();
  // the coupon does not stack with promotions: the demo's go off so it applies
  const promos = await api('GET', '/api/collections/promotions/records?perPage=200&filter=' + encodeURIComponent('active = true'), { token });
  for (const p of promos.items) await api('PATCH', '/api/collections/promotions/records/' + p.id, { token, body: { active: false } });
  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'chenjing@fenxiao.demo', 'demo123456', '#/');

  // home: the demo's live flash slot and the way to the coupon centre
  await page.waitForSelector('.flash .fitem');
  await page.waitForFunction(() => /^\d\d:\d\d:\d\d$/.test(document.querySelector('.countdown').textContent));
  assert((await page.textContent('.flash .fhead')).includes('距结束'), 'the running slot counts down to its end');
  await shot(page, 'c01-home-flash');
  await page.click('.coupon-link');

  // centre: claim 全场9折券; its button turns into 已领取
  const nine = '.coupon:has-text("全场9折券")';
  await page.waitForSelector(`${nine} .claim`);
  await shot(page, 'c02-centre');
  await page.click(`${nine} .claim`);
  await page.waitForSelector('.toast:has-text("领取成功")');
  await page.waitForSelector(`${nine} .cstate:has-text("已领取")`);
  await shot(page, 'c03-claimed');

  // 我的优惠券 from the 我的 page
  await page.goto(BASE_URL + '/#/me', { waitUntil: 'domcontentloaded' });
  await page.click('text=我的优惠券');
  await page.waitForSelector(nine);
  assert((await page.textContent(nine)).includes('最多减20元'), 'the held coupon states its cap');
  await shot(page, 'c04-mine');
  await page.click('.tabs >> text=已使用');
  await page.waitForSelector('.empty:has-text("还没有用过优惠券")');

  // a product in the cart, then checkout
  await page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent('保温杯'), { waitUntil: 'domcontentloaded' });
  await page.click('.pcard >> nth=0');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  await page.click('#sku-ok');
  await page.waitForSelector('.toast:has-text("已加入购物车")');
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#go');
  await shot(page, 'c05-cart');
  await page.click('#go');
  await page.waitForSelector('.addr');
  if (await page.locator('.addr:has-text("请添加收货地址")').count()) {
    await page.click('.addr');
    await page.click('text=新增收货地址');
    await page.fill('input[name=name]', '陈静');
    await page.fill('input[name=phone]', '13700002222');
    await page.selectOption('select[name=province]', '上海');
    await page.fill('input[name=city]', '上海市');
    await page.fill('textarea[name=detail]', '浦东新区世纪大道 88 号');
    await page.click('form button:has-text("保存")');
  }
  await page.waitForSelector('#coupon-pick .tag');
  const entry = await textOf(page, '#coupon-pick');
  assert(entry.includes('-¥'), 'checkout shows the coupon discount: ' + entry);
  const off = fen(await textOf(page, '#coupon-pick .red'));
  assert(off > 0, 'a discount above zero');
  const withCoupon = fen(await textOf(page, '.price.total'));
  await shot(page, 'c06-checkout-coupon');

  // the picker: 不使用 raises the total by the discount
  await page.click('#coupon-pick');
  await page.waitForSelector(`.sheet ${nine}.on`);
  assert((await page.textContent(`.sheet ${nine}`)).includes('9折'), 'the picker names the coupon terms');
  await page.waitForTimeout(400); // the sheet slides in
  await shot(page, 'c07-picker');
  await page.click('#no-coupon');
  await page.waitForFunction(() => location.hash.includes('coupon=none'));
  await page.waitForSelector('#coupon-pick:not(:has(.tag))');
  assertEq(fen(await textOf(page, '.price.total')), withCoupon + off, 'total without the coupon');
  await page.click('#coupon-pick');
  await page.click(`.sheet ${nine}`);
  await page.waitForSelector('#coupon-pick .tag');
  assertEq(fen(await textOf(page, '.price.total')), withCoupon, 'total with the coupon again');

  await page.click('#submit');
  await page.waitForSelector('.methods');
  const orderId = page.url().split('#/pay/')[1];
  const order = await api('GET', `/api/collections/orders/records/${orderId}`, { token });
  assertEq(order.payable, withCoupon, 'the order charges what checkout showed');
  const mine = await api('GET', `/api/collections/user_coupons/records?filter=${encodeURIComponent(`order = '${orderId}' && status = 'used'`)}`, { token });
  assertEq(mine.items.length, 1, 'the coupon is used by the order');
  assertEq(errors, [], 'no page errors');
});
