// WeChat Pay outside WeChat (see h5_wxweb_test.go): a desktop pays by the
// Native QR code, a phone browser through WeChat's H5 page. WXPAY_FAKE is
// the fake WeChat Pay server, which scans codes and serves the H5 page.
import { run, desktop, phone, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, findUser } from './steps.mjs';

const IPHONE_UA = 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1';
const FAKE = process.env.WXPAY_FAKE;

async function buyOne(page, q) {
  await page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent(q), { waitUntil: 'domcontentloaded' });
  await page.click('.pcard >> nth=0');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  await page.click('#sku-ok');
  await page.waitForSelector('.toast:has-text("已加入购物车")');
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.cline');
  await page.click('#go');
  await page.waitForSelector('#submit:not([disabled])');
  await page.click('#submit');
  await page.waitForSelector('.methods');
  return page.url().split('#/pay/')[1];
}

await run(async (browser) => {
  const token = await adminToken();
  const buyer = await findUser(`email = 'zhaolei@fenxiao.demo'`);
  assert(!buyer.wx_openid, 'the buyer never signed in with WeChat');
  await api('POST', '/api/collections/addresses/records', { token, body: {
    user: buyer.id, name: '赵磊', phone: '13600003333', province: '江苏', city: '南京市', detail: '鼓楼区中山路 1 号', is_default: true } });

  // a desktop browser: the QR code
  const ctx = await desktop(browser);
  ctx.setDefaultTimeout(60000);
  const page = await ctx.newPage();
  const errors = watchErrors(page);
  await emailSignIn(page, 'zhaolei@fenxiao.demo');
  const id = await buyOne(page, '龙井');
  assert(await page.isEnabled('input[value=wechatpay]'), 'WeChat Pay usable on a desktop');
  assert((await page.textContent('.methods')).includes('使用微信扫一扫二维码支付'), 'the cashier says how');
  await page.check('input[value=wechatpay]');
  await shot(page, '01-desktop-cashier');
  const payRes = page.waitForResponse((r) => r.url().includes(`/api/shop/orders/${id}/pay`));
  await page.click('#pay');
  const body = await (await payRes).json();
  assertEq(body.params.channel, 'native', 'a desktop asks for a Native code');
  await page.waitForSelector('#qr img.qr');
  await page.waitForFunction(() => document.querySelector('#qr img.qr').naturalWidth === 400);
  const qrText = await page.textContent('#qr');
  assert(qrText.includes('微信扫码支付') && qrText.includes((body.order.payable / 100).toFixed(2)), 'QR box with the amount: ' + qrText);
  assert(/剩余支付时间 \d+分\d\d秒/.test(await page.textContent('#qr-left')), 'countdown under the code');
  await shot(page, '02-desktop-qr');

  // the buyer's WeChat scans the code: the fake pays and notifies the shop
  const scan = await fetch(FAKE + '/fake/scan', { method: 'POST', body: JSON.stringify({ code_url: body.params.code_url }) });
  assertEq(scan.status, 200, 'the fake paid the scanned code: ' + await scan.clone().text());
  await page.waitForSelector('#qr.done:has-text("支付成功")');
  await shot(page, '03-desktop-paid');
  assertEq((await api('GET', `/api/collections/orders/records/${id}`, { token })).status, 'paid', 'the order is paid');
  await page.click('#qr a.btn');
  await page.waitForSelector('text=待发货');

  // a phone browser: WeChat's H5 page, then back to the shop
  const pctx = await phone(browser, { userAgent: IPHONE_UA });
  pctx.setDefaultTimeout(60000);
  const ppage = await pctx.newPage();
  const perrors = watchErrors(ppage);
  await emailSignIn(ppage, 'zhaolei@fenxiao.demo');
  const id2 = await buyOne(ppage, '坚果');
  assert((await ppage.textContent('.methods')).includes('将跳转到微信完成支付'), 'the phone cashier says it goes to WeChat');
  await ppage.check('input[value=wechatpay]');
  await shot(ppage, '04-phone-cashier');
  await ppage.click('#pay');
  await ppage.waitForURL(FAKE + '/cgi-bin/mmpayweb-bin/checkmweb**');
  assert(new URL(ppage.url()).searchParams.get('redirect_url').includes('#/pay/' + id2), 'WeChat is told where to send the buyer back');
  await ppage.waitForSelector('#confirm');
  await shot(ppage, '05-phone-wechat-page');
  await ppage.click('#confirm');
  await ppage.waitForURL(BASE_URL + '/**');
  await ppage.waitForURL('**/#/o/' + id2 + '**');
  await ppage.waitForSelector('text=待发货');
  await shot(ppage, '06-phone-back-paid');
  assertEq((await api('GET', `/api/collections/orders/records/${id2}`, { token })).status, 'paid', 'the second order is paid');

  const payments = await api('GET', `/api/collections/payments/records?filter=${encodeURIComponent(`order = '${id}' || order = '${id2}'`)}`, { token });
  assertEq(payments.totalItems, 2, 'one payment per order');
  assertEq(errors, [], 'no page errors (desktop)');
  assertEq(perrors.filter((e) => !e.includes(FAKE)), [], 'no page errors (phone)');
});
