// (b) With sandbox off and the WeChat Pay / Alipay fakes on: inside WeChat
// the cashier offers WeChat Pay and hands the prepay parameters to
// WeixinJSBridge; in another browser it offers Alipay and goes to the
// gateway's signed pay URL. What each page received is written to
// SHOT_DIR/handoff.json for the Go test to verify against the fakes.
import fs from 'node:fs';
import path from 'node:path';
import { run, phone, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL, SHOT_DIR } from '../lib/browser.mjs';
import { emailSignIn, findUser, discountAll, phonePage, addFromSearch } from './steps.mjs';

const WECHAT_UA = 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile Safari/537.36 MicroMessenger/8.0.47.2560 NetType/WIFI Language/zh_CN';

async function buyTwo(page) {
  for (const q of ['龙井', '坚果']) await addFromSearch(page, q);
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.cline');
  await page.click('#go');
  await page.waitForSelector('#submit:not([disabled])');
  assert((await page.textContent('.sums')).includes('9折'), 'promotion applied at checkout');
  await page.click('#submit');
  await page.waitForSelector('.methods');
  return page.url().split('#/pay/')[1];
}

await run(async (browser) => {
  const token = await adminToken();
  await discountAll();
  const buyer = await findUser(`email = 'zhaolei@fenxiao.demo'`);
  // WeChat Pay JSAPI pays as the buyer's WeChat identity (set at WeChat sign-in)
  await api('PATCH', `/api/collections/users/records/${buyer.id}`, { token, body: { wx_openid: 'oFakeOpenId_zhaolei' } });
  await api('POST', '/api/collections/addresses/records', { token, body: {
    user: buyer.id, name: '赵磊', phone: '13600003333', province: '江苏', city: '南京市', detail: '鼓楼区中山路 1 号', is_default: true } });
  const handoff = {};

  // inside WeChat
  const { ctx: wx, page } = await phonePage(browser, { userAgent: WECHAT_UA });
  await wx.addInitScript(() => {
    window.WeixinJSBridge = { invoke(name, params, cb) { window.__wxInvoke = { name, params }; } };
  });
  const errors = watchErrors(page);
  await emailSignIn(page, 'zhaolei@fenxiao.demo');
  const wxOrder = await buyTwo(page);
  const methods = await page.locator('.method').allTextContents();
  assert(!methods.some((m) => m.includes('沙箱')), 'no sandbox when it is off');
  assert(methods.some((m) => m.includes('支付宝') && m.includes('微信内无法使用支付宝')), 'Alipay explained as unavailable inside WeChat');
  assert(await page.isEnabled('input[value=wechatpay]'), 'WeChat Pay usable inside WeChat');
  await shot(page, '01-cashier-wechat');
  const payRes = page.waitForResponse((r) => r.url().includes(`/api/shop/orders/${wxOrder}/pay`));
  await page.check('input[value=wechatpay]');
  await page.click('#pay');
  const body = await (await payRes).json();
  assertEq(body.method, 'wechatpay', 'paid with WeChat Pay');
  await page.waitForFunction(() => window.__wxInvoke);
  const invoke = await page.evaluate(() => window.__wxInvoke);
  assertEq(invoke.name, 'getBrandWCPayRequest', 'hands over to WeChat');
  assertEq(invoke.params, body.params, 'the prepay parameters go to WeChat unchanged');
  for (const k of ['appId', 'timeStamp', 'nonceStr', 'package', 'signType', 'paySign']) assert(invoke.params[k], 'prepay parameter ' + k);
  assert(invoke.params.package.startsWith('prepay_id='), 'package carries the prepay id');
  handoff.wechat = { order_no: body.order.order_no, payable: body.order.payable, params: invoke.params };

  // any other browser: Alipay wap
  const { page: page2 } = await phonePage(browser);
  const errors2 = watchErrors(page2);
  await emailSignIn(page2, 'zhaolei@fenxiao.demo');
  const aliOrder = await buyTwo(page2);
  assert(await page2.isEnabled('input[value=wechatpay]'), 'WeChat Pay outside WeChat too (H5 or QR code, see wxweb.mjs)');
  await shot(page2, '02-cashier-browser');
  const gateway = process.env.ALIPAY_GATEWAY;
  let payURL = '';
  await page2.route(gateway + '**', (route) => {
    payURL = route.request().url();
    route.fulfill({ contentType: 'text/html; charset=utf-8', body: '<h1>支付宝收银台（测试网关）</h1>' });
  });
  const order2 = await api('GET', `/api/collections/orders/records/${aliOrder}`, { token });
  await page2.check('input[value=alipay]');
  await page2.click('#pay');
  await page2.waitForURL(gateway + '**');
  const q = new URL(payURL).searchParams;
  assertEq(q.get('method'), 'alipay.trade.wap.pay', 'wap pay');
  const biz = JSON.parse(q.get('biz_content'));
  assertEq(biz.out_trade_no, order2.order_no, 'the order number');
  assertEq(Math.round(Number(biz.total_amount) * 100), order2.payable, 'the amount');
  handoff.alipay = { order_no: order2.order_no, payable: order2.payable, pay_url: payURL };

  fs.writeFileSync(path.join(SHOT_DIR, 'handoff.json'), JSON.stringify(handoff));
  assertEq(errors, [], 'no page errors (WeChat)');
  assertEq(errors2, [], 'no page errors (browser)');
});
