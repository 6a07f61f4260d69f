// (d) A distributor withdraws to a bank card: the form shows the minimum
// and what arrives, refuses bad input with Chinese messages, and the
// history follows the review live.
import { run, phone, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import { emailSignIn, findUser, textOf, phonePage } from './steps.mjs';

await run(async (browser) => {
  const token = await adminToken();
  const user = await findUser(`email = 'liqiang@fenxiao.demo'`);
  await api('POST', '/api/shop/admin/rewards', { token, body: { user: user.id, amount: 5000, reason: '推广奖励' } });
  // the demo shop's history leaves the distributor some balance of their own
  const me = await api('POST', '/api/collections/users/auth-with-password', { body: { identity: 'liqiang@fenxiao.demo', password: 'demo123456' } });
  const { available } = await api('GET', '/api/shop/wallet', { token: me.token });
  assert(available >= 5000, 'the reward is available: ' + available);
  const yuan = (fen) => `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'liqiang@fenxiao.demo', 'demo123456', '#/dist/withdraw');
  assertEq(await textOf(page, '#available'), yuan(available), 'available balance in yuan');

  // below the minimum: refused in the page
  await page.fill('input[name=amount]', '0.5');
  await page.click('form button:has-text("申请提现")');
  assertEq(await textOf(page, '#msg'), '最低提现 ¥1.00', 'minimum shown');

  // a bad card number: the server's Chinese message
  await page.fill('input[name=amount]', '20');
  assert((await page.textContent('#calc')).includes('实际到账 ¥20.00'), 'arrival shown before submit');
  await page.fill('input[name=name]', '李强');
  await page.fill('input[name=bank]', '招商银行杭州分行');
  await page.fill('input[name=number]', '123');
  await page.click('form button:has-text("申请提现")');
  const toast = await textOf(page, '.toast.error');
  assert(toast.includes('8–30 位卡号'), 'readable refusal: ' + toast);

  // the demo left this distributor a history, so wait for one more row
  // rather than for any row
  const rows = await page.locator('.wrow').count();
  await page.fill('input[name=number]', '6225 8812 3456 7890');
  await page.click('form button:has-text("申请提现")');
  await page.waitForFunction((n) => document.querySelectorAll('.wrow').length > n, rows);
  assertEq(await textOf(page, '.wrow .status'), '待审核', 'pending in the history');
  assertEq(await textOf(page, '#available'), yuan(available - 2000), 'held from the balance');
  await shot(page, '01-withdraw');

  // the merchant approves: the history follows live
  const w = (await api('GET', '/api/collections/withdrawals/records?sort=-created', { token })).items[0];
  await api('POST', `/api/shop/admin/withdrawals/${w.id}/approve`, { token, body: {} });
  await page.waitForFunction(() => document.querySelector('.wrow .status')?.textContent !== '待审核');
  assertEq(await textOf(page, '.wrow .status'), '已审核，待打款', 'approved live');
  assertEq(errors, [], 'no page errors');
});
