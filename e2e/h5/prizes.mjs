// Leaderboard prizes in the distributor centre: the merchant sets weekly and
// monthly prizes (a bonus, a gift, a promotion), 王芳 has won two (one
// given, one waiting for an address); her centre lists this period's prize
// table and her prizes.
import path from 'node:path';
import { run, shot, assert, watchErrors, api, adminToken, SHOT_DIR } from '../lib/browser.mjs';
import { emailSignIn, phonePage } from './steps.mjs';

await run(async (browser) => {
  const token = await adminToken();
  const q = (s) => encodeURIComponent(s);
  const sku = (await api('GET', '/api/collections/skus/records?perPage=1&sort=created', { token })).items[0];
  const levels = (await api('GET', '/api/collections/distributor_levels/records?sort=rank', { token })).items;
  const rule = (body) => api('POST', '/api/collections/prize_rules/records', { token, body: { active: true, ...body } });
  const bonus = await rule({ name: '周佣金榜冠军奖金', period: 'week', by: 'commission', rank_from: 1, rank_to: 1, kind: 'wallet', amount: 20000 });
  await rule({ name: '周佣金榜二至三名奖金', period: 'week', by: 'commission', rank_from: 2, rank_to: 3, kind: 'wallet', amount: 8800 });
  const gift = await rule({ name: '月销售榜前三礼品', period: 'month', by: 'sales', rank_from: 1, rank_to: 3, kind: 'gift', gift_sku: sku.id, gift_quantity: 1 });
  if (levels.length) {
    const top = levels[levels.length - 1];
    await rule({ name: '月邀请榜冠军晋升', period: 'month', by: 'invites', rank_from: 1, rank_to: 1, kind: 'level', level_rank: top.rank });
  }

  // what the run after the week of 23 November (Shanghai) gave 王芳, as the job writes it
  const wang = (await api('GET', '/api/collections/users/records?filter=' + q('email = "wangfang@fenxiao.demo"'), { token })).items[0];
  const award = (r, body) => api('POST', '/api/collections/prize_awards/records', { token, body: {
    rule: r.id, user: wang.id, name: r.name, period: r.period, by: r.by, kind: r.kind,
    start: '2026-11-22 16:00:00.000Z', end: '2026-11-29 16:00:00.000Z', ...body } });
  await award(bonus, { rank: 1, value: 152300, amount: 20000, status: 'granted' });
  await award(gift, { rank: 2, value: 980000, status: 'failed', note: '获奖人没有收货地址，无法寄送礼品',
    start: '2026-10-31 16:00:00.000Z', end: '2026-11-30 16:00:00.000Z' });

  const { page } = await phonePage(browser);
  const errors = watchErrors(page);
  await emailSignIn(page, 'wangfang@fenxiao.demo', 'demo123456', '#/dist');
  await page.waitForSelector('#prize-table .prize-rule');
  await page.waitForSelector('#my-prizes .crow');
  const table = await page.textContent('#prize-table');
  assert(table.includes('周佣金榜冠军奖金') && table.includes('¥200.00'), 'the weekly bonus is in the table: ' + table);
  assert(table.includes('第 2–3 名') && table.includes('月销售榜前三礼品'), 'rank ranges and the gift show');
  const mine = await page.textContent('#my-prizes');
  assert(mine.includes('已发放') && mine.includes('待领取') && mine.includes('没有收货地址'), 'my prizes say what happened: ' + mine);
  assert(mine.includes('11月23日–11月29日') && mine.includes('2026年11月'), 'an award names its period: ' + mine);
  await page.waitForSelector('.toast', { state: 'detached', timeout: 10000 }).catch(() => {});
  await page.locator('#prizes').scrollIntoViewIfNeeded();
  await page.locator('#prizes').screenshot({ path: path.join(SHOT_DIR, 'p01-prizes-section.png') });
  await shot(page, 'p02-centre');
  assert(errors.length === 0, 'page errors: ' + errors.join('; '));
});
