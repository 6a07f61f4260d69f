// (c) Cart editing (quantity, spec, delete), cancelling an unpaid order,
// confirming receipt of a shipped one (its status arrives live) and an
// after-sale application with a photo.
import { run, phone, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, textOf, phonePage, toastAfter } from './steps.mjs';

const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==', 'base64');

async function addFromSearch(page, q) {
  await page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent(q), { waitUntil: 'domcontentloaded' });
  await page.click('.pcard >> nth=0');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  // the previous add's toast may still show: wait for this add's
  await toastAfter(page, '已加入购物车', () => page.click('#sku-ok'));
}

async function checkoutAndOpenPay(page) {
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
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
  await page.waitForSelector('#submit:not([disabled])');
  await page.click('#submit');
  await page.waitForSelector('.methods');
  return page.url().split('#/pay/')[1];
}

await run(async (browser) => {
  const token = await adminToken();
  const { ctx, page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'chenjing@fenxiao.demo');

  // cart editing
  await addFromSearch(page, '牛肉干');
  await addFromSearch(page, '面膜');
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.cline');
  const beef = page.locator('.cline:has-text("牛肉干")');
  const total0 = await textOf(page, '.price.total');
  await beef.locator('[data-d="1"]').click();
  await page.waitForFunction(() => document.querySelector('.cline:has(.ltitle) .qty') && [...document.querySelectorAll('.cline')].some((l) => l.textContent.includes('牛肉干') && l.querySelector('.qty').value === '2'));
  assert((await textOf(page, '.price.total')) !== total0, 'total follows the quantity');
  const spec0 = (await beef.locator('.spec').textContent()).trim();
  await beef.locator('.spec').click();
  await page.click('.sheet [data-to]:not(.on):not([disabled]) >> nth=0');
  await page.waitForFunction((s) => [...document.querySelectorAll('.cline')].some((l) => l.textContent.includes('牛肉干') && !l.querySelector('.spec').textContent.includes(s.replace(' ▾', ''))), spec0);
  await shot(page, '01-cart-edited');
  await page.click('#edit');
  await page.locator('.cline:has-text("面膜") .del').click();
  await page.waitForFunction(() => document.querySelectorAll('.cline').length === 1);
  await page.click('#edit');

  // an order cancelled before paying
  const first = await checkoutAndOpenPay(page);
  await page.click('text=暂不支付');
  await page.waitForSelector('#cancel');
  await page.click('#cancel');
  await page.click('.sheet [data-yes]');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '已取消');
  await shot(page, '02-order-cancelled');

  // a paid order the merchant ships: the page follows live, then confirm receipt
  await addFromSearch(page, '保温杯');
  const second = await checkoutAndOpenPay(page);
  assert(second && second !== first, 'a second order');
  await page.check('input[value=sandbox]');
  // the order page's subscription is held up while the merchant ships: the
  // page must still show the shipment once it is live
  let shipped = false;
  await page.route('**/api/realtime', async (route) => {
    if (route.request().method() === 'POST') {
      while (!shipped) await new Promise((r) => setTimeout(r, 50));
    }
    await route.continue();
  });
  await page.click('#pay');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '待发货');
  await api('POST', `/api/shop/admin/orders/${second}/ship`, { token, body: { tracking_company: 'shunfeng', tracking_no: 'SF1234567890' } });
  shipped = true;
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '待收货');
  await page.unroute('**/api/realtime');
  await page.click('#confirm');
  await page.click('.sheet [data-yes]');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '已完成');
  await shot(page, '03-order-completed');

  // after-sale with a photo
  await page.click('text=申请售后');
  await page.waitForSelector('textarea[name=reason]');
  await page.fill('textarea[name=reason]', '杯盖有划痕');
  await page.setInputFiles('input[name=photos]', { name: 'scratch.png', mimeType: 'image/png', buffer: png });
  await page.click('form button:has-text("提交申请")');
  await page.waitForFunction(() => location.hash.startsWith('#/as/') && !location.hash.includes('new'));
  await page.waitForSelector('.status-banner b');
  assertEq(await textOf(page, '.status-banner b'), '待审核', 'after-sale applied');
  await page.waitForSelector('.photos img');
  await shot(page, '04-aftersale');
  const as = (await api('GET', `/api/collections/aftersales/records?filter=${encodeURIComponent(`order = '${second}'`)}`, { token })).items[0];
  assertEq(as.photos.length, 1, 'the photo was stored');

  // offline: a banner, and a page that cannot load says why in Chinese
  await ctx.setOffline(true);
  await page.waitForSelector('#offline:not([hidden])');
  await page.evaluate(() => { location.hash = '#/orders?tab=completed'; });
  assertEq(await textOf(page, '.error-state p'), '网络已断开，请检查网络后重试', 'offline explained');
  await shot(page, '05-offline');
  await ctx.setOffline(false);
  assertEq(errors, [], 'no page errors');
});
