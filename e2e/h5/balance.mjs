// (e) 余额支付 on the confirm page: a buyer whose balance covers the total
// pays in the checkout itself (one request), lands on the paid order, and
// the balance drops by what the order cost.
import { run, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, findUser, textOf, phonePage, addFromSearch } from './steps.mjs';

await run(async (browser) => {
  const token = await adminToken();
  const user = await findUser(`email = 'liqiang@fenxiao.demo'`);
  await api('POST', '/api/shop/admin/rewards', { token, body: { user: user.id, amount: 100000, reason: '推广奖励' } });
  const me = await api('POST', '/api/collections/users/auth-with-password', { body: { identity: 'liqiang@fenxiao.demo', password: 'demo123456' } });
  await api('POST', '/api/collections/addresses/records', { token, body: {
    user: user.id, name: '李强', phone: '13700004444', province: '浙江省', city: '杭州市', detail: '滨江区江南大道 8 号', is_default: true } });
  const before = (await api('GET', '/api/shop/wallet', { token: me.token })).available;

  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'liqiang@fenxiao.demo');
  await addFromSearch(page, '龙井');
  await page.goto(BASE_URL + '/#/cart', { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('.cline');
  await page.click('#go');
  await page.waitForSelector('#pay-balance');
  assert((await textOf(page, '#balance')).startsWith('可用 ¥'), 'the balance is shown: ' + await textOf(page, '#balance'));
  await shot(page, '01-checkout-balance');

  await page.click('#pay-balance');
  await page.waitForSelector('.sheet [data-yes]');
  assert((await page.textContent('.confirm-text')).startsWith('使用余额支付 ¥'), 'asks before paying');
  await page.click('.sheet [data-yes]');
  await page.waitForFunction(() => document.querySelector('#status')?.textContent === '待发货');
  await shot(page, '02-paid-by-balance');

  const orderId = page.url().split('#/o/')[1].split('?')[0];
  const order = await api('GET', `/api/collections/orders/records/${orderId}`, { token });
  assertEq(order.status, 'paid', 'the order is paid');
  assertEq(order.pay_method, 'balance', 'by the balance');
  const after = (await api('GET', '/api/shop/wallet', { token: me.token })).available;
  assertEq(before - after, order.payable, 'the balance paid the order');
  assertEq(errors, [], 'no page errors');
});
