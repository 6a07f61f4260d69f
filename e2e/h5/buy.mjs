// (a) A new visitor arrives by a distributor's product link, signs up by
// SMS code, buys two items with a promotion applied and pays (sandbox);
// the inviter's centre, open in a second context, shows the frozen
// commission live with its explanation.
import { run, phone, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, smsCode, findUser, textOf, discountAll, phonePage, toastAfter } from './steps.mjs';

await run(async (browser) => {
  await discountAll();
  const inviter = await findUser(`email = 'wangfang@fenxiao.demo'`);

  // the distributor (王芳) opens a product and takes her share link
  const { page: dpage } = await phonePage(browser);
  const derrors = watchErrors(dpage);
  await emailSignIn(dpage, 'wangfang@fenxiao.demo');
  await dpage.goto(BASE_URL + '/#/', { waitUntil: 'domcontentloaded' });
  await dpage.waitForSelector('.pcard img');
  await shot(dpage, '01-home');
  await dpage.click('.pcard:has-text("铁观音")');
  await dpage.waitForSelector('#share');
  assert((await dpage.textContent('#share')).includes('分享赚 ¥'), 'distributor sees 分享赚 with an amount');
  await shot(dpage, '02-product');
  await dpage.click('#share');
  await dpage.waitForSelector('#share-url');
  const link = await dpage.inputValue('#share-url');
  assert(link.includes('inviter=' + inviter.invite_code) && link.includes('scene=') && link.includes('#/p/'), 'product share link: ' + link);
  await dpage.waitForSelector('.sheet img.poster');
  await dpage.waitForFunction(() => document.querySelector('.sheet img.poster').naturalWidth > 0);
  await shot(dpage, '03-share-sheet');
  // her commission list stays open while the friend buys
  await dpage.goto(BASE_URL + '/#/dist/commissions', { waitUntil: 'domcontentloaded' });
  await dpage.waitForSelector('.tabs');

  // a new visitor follows the link
  const { ctx, page } = await phonePage(browser);
  const errors = watchErrors(page);
  await page.goto(link.replace(/^https?:\/\/[^/]+/, BASE_URL), { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('#add');
  assert(!(await page.url()).includes('inviter='), 'the share query is consumed after counting the click');
  const title = await textOf(page, '.ptitle-big');
  assert(title.includes('铁观音'), 'the link opens the product');
  assert((await page.textContent('.promo-box')).includes('9折'), 'product page shows the promotion');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  await page.click('#sku-ok');

  // not signed in: the login page, with the inviter named
  await page.waitForSelector('.invite-note');
  assert((await page.textContent('.invite-note')).includes(inviter.invite_code), 'login page names the inviter');
  const phoneNo = '139' + String(Date.now()).slice(-8);
  await page.fill('input[name=phone]', phoneNo);
  await page.click('#send');
  await page.waitForSelector('#send:disabled');
  await shot(page, '04-login-sms');
  await page.fill('input[name=code]', await smsCode(phoneNo));
  await page.click('form button:has-text("登录 / 注册")');

  // back on the product with the item in the cart
  await page.waitForFunction(() => location.hash.startsWith('#/p/'));
  await page.waitForSelector('.toast:has-text("已加入购物车")');
  const buyer = await findUser(`phone = '${phoneNo}'`);
  assertEq(buyer.referrer, inviter.id, 'the new user is bound to the inviter');
  assertEq(buyer.bound_source, 'link', 'bound through the link');

  // a second product through search
  await page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent('保温杯'), { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.pcard');
  await shot(page, '05-search');
  await page.click('.pcard >> nth=0');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  // the first add's toast may still show: wait for this add's
  await toastAfter(page, '已加入购物车', () => page.click('#sku-ok'));

  // the cart: two lines, the promotion applied, totals from the server
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.cline');
  assertEq(await page.locator('.cline').count(), 2, 'two cart lines');
  assert((await page.textContent('.card:has-text("已享优惠")')).includes('9折'), 'cart shows the applied promotion');
  await shot(page, '06-cart');
  await page.click('#go');

  // checkout without an address: add one (the form checks the phone)
  await page.waitForSelector('.addr');
  await page.click('.addr');
  await page.click('text=新增收货地址');
  await page.fill('input[name=name]', '周小米');
  await page.fill('input[name=phone]', '12345');
  await page.selectOption('select[name=province]', '浙江');
  await page.fill('input[name=city]', '杭州市');
  await page.fill('input[name=district]', '西湖区');
  await page.fill('textarea[name=detail]', '文三路 100 号 2 幢');
  await page.click('form button:has-text("保存")');
  assertEq(await textOf(page, '#msg'), '请填写正确的 11 位手机号', 'phone checked before saving');
  await page.fill('input[name=phone]', '13900001111');
  await page.click('form button:has-text("保存")');
  await page.waitForSelector('#submit:not([disabled])');
  assert((await page.textContent('.addr')).includes('周小米'), 'checkout uses the new address');
  await shot(page, '07-checkout');
  assert(!(await page.$('#pay-balance')), 'no 余额支付 with an empty balance');
  await page.click('#submit');

  // the cashier offers what the shop has: sandbox (on), balance (empty)
  await page.waitForSelector('.methods');
  const methods = await page.locator('.method').allTextContents();
  assert(methods.some((m) => m.includes('沙箱支付')), 'sandbox offered when on');
  assert(!methods.some((m) => m.includes('微信支付') || m.includes('支付宝')), 'no provider the shop lacks');
  await shot(page, '08-pay');
  await page.check('input[value=sandbox]');
  await page.click('#pay');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '待发货');
  assert((await page.textContent('.sums')).includes('9折'), 'the order keeps the promotion');
  await shot(page, '09-order-paid');

  // the inviter's list got the commission live, with its explanation
  const live = await dpage.waitForSelector('.toast.live');
  assert((await live.textContent()).includes('新佣金'), 'live toast');
  // her demo history already lists commissions: wait for this order's on top
  const orderId = page.url().split('/').pop().split('?')[0];
  const booked = await api('GET', '/api/collections/commissions/records?filter=' + encodeURIComponent(`order = '${orderId}' && beneficiary = '${inviter.id}'`), { token: await adminToken() });
  assert(booked.items.length > 0, 'the order booked her a commission');
  await dpage.waitForFunction((ids) => ids.includes(document.querySelector('.commission')?.dataset.commission), booked.items.map((c) => c.id));
  const row = await dpage.textContent('.commission >> nth=0');
  assert(row.includes('冻结中') && row.includes('一级佣金') && row.includes('×'), 'commission row explains itself: ' + row);
  assert(!row.includes(orderId) && /订单 [0-9A-Za-z]{8,} ·/.test(row), 'commission row shows the order number, not the id: ' + row);
  await shot(dpage, '10-commissions-live');
  await dpage.goto(BASE_URL + '/#/dist', { waitUntil: 'domcontentloaded' });
  await dpage.waitForSelector('#frozen');
  await shot(dpage, '11-dist-centre');

  // orders list with its tab
  await page.goto(BASE_URL + '/#/orders?tab=paid', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.ocard');
  await shot(page, '12-orders');

  assertEq(errors, [], 'no page errors (buyer)');
  assertEq(derrors, [], 'no page errors (distributor)');
});
