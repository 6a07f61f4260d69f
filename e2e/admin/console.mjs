// The operations console in Chromium: a warehouse clerk batch-ships by an
// imported file, finance exports payouts and marks a withdrawal paid, the
// owner's home page shows figures and charts, and the owner adds, changes
// and disables a staff member on 员工管理.
import { run, desktop, shot, assert, assertEq, watchErrors, api, adminToken, BASE_URL } from '../lib/browser.mjs';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const admin = await adminToken();

async function staff(email, role) {
  await api('POST', '/api/collections/staff/records', { token: admin, body: {
    email, password: 'staff-pass-123', passwordConfirm: 'staff-pass-123', name: role === 'warehouse' ? '仓库小李' : '财务王姐', role, active: true,
  } });
}
await staff('wh@e2e.test', 'warehouse');
await staff('fin@e2e.test', 'finance');

async function signIn(page, email, superuser = false) {
  await page.goto(BASE_URL + '/admin/');
  await page.waitForSelector('form.login');
  if (superuser) await page.click('button[data-as="_superusers"]');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', superuser ? process.env.ADMIN_PASSWORD : 'staff-pass-123');
  await page.click('button[type=submit]');
  await page.waitForSelector('nav.side');
}

await run(async (browser) => {
  // --- warehouse: ship every paid order from a CSV file
  const wh = await (await desktop(browser)).newPage();
  const whErrors = watchErrors(wh);
  await signIn(wh, 'wh@e2e.test');
  const menu = await wh.textContent('nav.side');
  assert(menu.includes('待发货'), 'the clerk sees the shipping queue');
  assert(!menu.includes('提现审核') && !menu.includes('经营概览') && !menu.includes('员工管理'), 'the clerk sees no withdrawals, figures or staff: ' + menu);
  await wh.waitForSelector('table tbody tr[data-id]');
  const orders = await wh.$$eval('table tbody tr[data-id]', rows => rows.map(r => ({ id: r.dataset.id, no: r.querySelector('td:nth-child(2) div').textContent })));
  assert(orders.length >= 3, 'the demo has paid orders to ship: ' + orders.length);
  await shot(wh, 'warehouse-queue');

  const csv = '\uFEFF订单号,快递公司,运单号\n' + orders.map((o, i) => `${o.no},顺丰速运,SF77000${i}`).join('\n') + '\n';
  const file = path.join(os.tmpdir(), `tracking-${process.pid}.csv`);
  fs.writeFileSync(file, csv);
  await wh.setInputFiles('input[name=tracking-file]', file);
  await wh.waitForSelector('#ship-report');
  const report = await wh.textContent('#ship-report');
  assert(report.includes(`已发货 ${orders.length} 单`) && !report.includes('失败'), 'all shipped: ' + report);
  await wh.waitForSelector('td.empty');
  await shot(wh, 'warehouse-shipped');
  assertEq(whErrors, [], 'no page errors for the clerk');

  // the buyers see their orders shipped with the tracking number
  for (const [i, o] of orders.entries()) {
    const order = await api('GET', `/api/collections/orders/records/${o.id}`, { token: admin });
    const buyer = await api('GET', `/api/collections/users/records/${order.buyer}`, { token: admin });
    const auth = await api('POST', '/api/collections/users/auth-with-password', { body: { identity: buyer.email, password: 'demo123456' } });
    const seen = await api('GET', `/api/collections/orders/records/${o.id}`, { token: auth.token });
    assertEq([seen.status, seen.tracking_no], ['shipped', `SF77000${i}`], `buyer's view of ${o.no}`);
  }
  // the shipment names the clerk
  const actions = await api('GET', '/api/collections/staff_actions/records?filter=' + encodeURIComponent("permission='orders.ship' && actor_name='仓库小李'"), { token: admin });
  assertEq(actions.totalItems, orders.length, 'one staff action per shipment');
  assert(actions.items.every(a => a.actor.startsWith('staff:')), 'actions name the clerk');

  // --- finance: export the payouts, mark the approved bank withdrawal paid
  const fin = await (await desktop(browser, { acceptDownloads: true })).newPage();
  const finErrors = watchErrors(fin);
  await signIn(fin, 'fin@e2e.test');
  await fin.click('a[href="#/withdrawals"]');
  await fin.waitForSelector('table tbody tr[data-id]');
  const [download] = await Promise.all([fin.waitForEvent('download'), fin.click('text=导出待打款 Excel')]);
  const xlsx = fs.readFileSync(await download.path());
  assert(xlsx.length > 1000 && xlsx.subarray(0, 2).toString() === 'PK', 'an xlsx file arrived: ' + xlsx.length + ' bytes');
  assertEq(download.suggestedFilename(), '提现打款单.xlsx', 'file name');
  await shot(fin, 'finance-withdrawals');

  const paidButton = await fin.$('button:has-text("标记已打款")');
  assert(paidButton, 'an approved bank withdrawal waits for payment');
  const wid = await paidButton.evaluate(b => b.closest('tr').dataset.id);
  await paidButton.click();
  await fin.waitForSelector(`.toast:has-text("已标记打款")`);
  const w = await api('GET', `/api/collections/withdrawals/records/${wid}`, { token: admin });
  assertEq(w.status, 'paid', 'withdrawal paid');
  const ev = await api('GET', '/api/collections/withdrawal_events/records?filter=' + encodeURIComponent(`withdrawal='${wid}' && to='paid'`), { token: admin });
  assert(ev.items.length === 1 && ev.items[0].actor.startsWith('staff:'), 'the payout event names the finance member: ' + JSON.stringify(ev.items));
  assertEq(finErrors, [], 'no page errors for finance');

  // --- owner (superuser): home with figures and charts, referral browser, jobs
  const owner = await (await desktop(browser)).newPage();
  const ownerErrors = watchErrors(owner);
  await signIn(owner, process.env.ADMIN_EMAIL, true);
  await owner.waitForSelector('#chart-trend');
  await owner.waitForTimeout(300);
  const home = await owner.textContent('.content');
  assert(home.includes('成交额') && home.includes('¥'), 'home shows figures');
  await shot(owner, 'owner-home');
  await owner.click('a[href="#/referral"]');
  await owner.fill('input[name=q]', '王芳');
  await owner.click('text=查找');
  await owner.click('table button:has-text("查看")');
  await owner.waitForSelector('text=下级');
  await shot(owner, 'owner-referral');
  await owner.click('a[href="#/jobs"]');
  await owner.waitForSelector('text=commission_settle');
  await shot(owner, 'owner-jobs');
  // run the report rebuild: the row shows the run in flight, then its outcome
  const rebuildRow = owner.locator('tr', { has: owner.locator('.job-status[data-job="reports_rebuild"]') });
  await rebuildRow.locator('button:has-text("立即运行")').click();
  await owner.waitForSelector('.toast:has-text("reports_rebuild：rebuilt")');
  await rebuildRow.locator('.tag.ok').waitFor();
  const outcome = await rebuildRow.textContent();
  assert(/rebuilt \d+ days/.test(outcome) && !outcome.includes('运行中'), 'the rebuild finished and shows its outcome: ' + outcome);
  await shot(owner, 'owner-jobs-rebuilt');
  await owner.click('a[href="#/aftersales"]');
  await owner.waitForSelector('table');
  await shot(owner, 'owner-aftersales');

  // staff management: a readable refusal, then a new member added, given a
  // custom role and disabled from the page
  await owner.click('a[href="#/staff"]');
  await owner.waitForSelector('form.staff-add');
  const addMember = async (email, password) => {
    await owner.fill('form.staff-add input[name=email]', email);
    await owner.fill('form.staff-add input[name=password]', password);
    await owner.fill('form.staff-add input[name=name]', '客服小赵');
    await owner.selectOption('form.staff-add select[name=role]', 'support');
    await owner.click('form.staff-add button[type=submit]');
  };
  await addMember('wh@e2e.test', 'support-pass-123');
  await owner.waitForSelector('.form-error:has-text("该邮箱已是员工账号")');
  await addMember('cs@e2e.test', 'support-pass-123');
  await owner.waitForSelector('table tr:has-text("cs@e2e.test")');
  const row = owner.locator('tr', { hasText: 'cs@e2e.test' });
  assert((await row.textContent()).includes('客服') && (await row.textContent()).includes('处理售后'), 'the row shows the role in Chinese and its permissions: ' + await row.textContent());
  const member = (await api('GET', '/api/collections/staff/records?filter=' + encodeURIComponent("email='cs@e2e.test'"), { token: admin })).items[0];
  assertEq([member.role, member.active, member.name], ['support', true, '客服小赵'], 'the member saved');
  const signedIn = await api('POST', '/api/collections/staff/auth-with-password', { body: { identity: 'cs@e2e.test', password: 'support-pass-123' } });
  assert(signedIn.token, 'the new member signs in');

  await row.locator('select[name=role]').selectOption('custom');
  await row.locator('label.perm:has-text("订单发货") input').check();
  await row.locator('button:has-text("修改角色")').click();
  await owner.waitForSelector('.toast:has-text("角色已改为自定义")');
  await owner.waitForSelector('tr:has-text("cs@e2e.test") .tag:has-text("自定义")');
  await shot(owner, 'owner-staff');

  owner.once('dialog', d => d.accept());
  await owner.locator('tr', { hasText: 'cs@e2e.test' }).locator('button:has-text("停用")').click();
  await owner.waitForSelector('tr:has-text("cs@e2e.test") .tag:has-text("已停用")');
  const after = await api('GET', `/api/collections/staff/records/${member.id}`, { token: admin });
  assertEq([after.role, after.permissions, after.active], ['custom', ['orders.ship'], false], 'role, permissions and disabled saved');
  const refused = await api('POST', '/api/collections/staff/auth-with-password', { body: { identity: 'cs@e2e.test', password: 'support-pass-123' } })
    .then(() => 'signed in', e => e.message);
  assert(/: 403 /.test(refused), 'a disabled member cannot sign in: ' + refused);
  const locked = await (await desktop(browser)).newPage();
  await locked.goto(BASE_URL + '/admin/');
  await locked.fill('input[name=email]', 'cs@e2e.test');
  await locked.fill('input[name=password]', 'support-pass-123');
  await locked.click('button[type=submit]');
  await locked.waitForSelector('form.login p:has-text("该账号已停用")');
  await shot(locked, 'staff-disabled-login');
  const logged = await api('GET', '/api/collections/staff_actions/records?filter=' + encodeURIComponent("permission='staff.manage'"), { token: admin });
  assertEq(logged.totalItems, 3, 'add, role change and disable are staff actions');
  await shot(owner, 'owner-staff-disabled');
  assertEq(ownerErrors, [], 'no page errors for the owner');
});
