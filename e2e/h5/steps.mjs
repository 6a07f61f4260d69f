// Steps the H5 browser tests share: signing in through the pages, reading
// the development SMS code from the app log, waiting for text.
import { api, adminToken, assert, phone, BASE_URL } from '../lib/browser.mjs';

// emailSignIn signs in on the login page with a demo shopper's password.
export async function emailSignIn(page, email, password = 'demo123456', next = '#/me') {
  await page.goto(BASE_URL + '/#/login?next=' + encodeURIComponent(next), { waitUntil: 'domcontentloaded' });
  await page.click('.tabs >> text=邮箱');
  await page.fill('input[name=email]', email);
  await page.fill('input[name=password]', password);
  await page.click('form button:has-text("登录")');
  await page.waitForFunction(() => !location.hash.startsWith('#/login'));
}

// smsCode reads the code the development sender wrote to the app log
// (Dashboard → Logs; the logger flushes in batches, so it is polled).
export async function smsCode(phone) {
  const token = await adminToken();
  const filter = encodeURIComponent(`message ~ 'sms code'`);
  for (let i = 0; i < 60; i++) {
    const logs = await api('GET', `/api/logs?filter=${filter}&sort=-created&perPage=50`, { token });
    const hit = logs.items.find((l) => l.data?.phone === phone);
    if (hit) return String(hit.data.code);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error('no sms code logged for ' + phone);
}

// userByEmail / userByPhone read a user as the superuser.
export async function findUser(filter) {
  const token = await adminToken();
  const r = await api('GET', `/api/collections/users/records?filter=${encodeURIComponent(filter)}`, { token });
  assert(r.items.length === 1, 'one user for ' + filter);
  return r.items[0];
}

// textOf waits for a selector and returns its text.
export async function textOf(page, sel, timeout = 30000) {
  await page.waitForSelector(sel, { timeout });
  return (await page.textContent(sel)).trim();
}

// toastAfter runs action and waits for a toast with text that was not on
// screen before: a toast stays 3 s, so an earlier step's can still show.
export async function toastAfter(page, text, action) {
  await page.$$eval('.toast', (ts) => ts.forEach((t) => { t.dataset.old = ''; }));
  await action();
  await page.waitForSelector(`.toast:not([data-old]):has-text("${text}")`);
}

// addFromSearch opens the first product a search for q finds, picks its
// first SKU in stock and adds it to the cart, waiting for this add's toast.
export async function addFromSearch(page, q) {
  await page.goto(BASE_URL + '/#/search?q=' + encodeURIComponent(q), { waitUntil: 'domcontentloaded' });
  await page.click('.pcard >> nth=0');
  await page.click('#add');
  await page.click('.sheet [data-sku]:not([disabled]) >> nth=0');
  await toastAfter(page, '已加入购物车', () => page.click('#sku-ok'));
}

// discountAll starts a 9折 promotion on every product.
export async function discountAll(label = '9折') {
  const token = await adminToken();
  return api('POST', '/api/collections/promotions/records', { token, body: {
    name: '全场九折', type: 'discount', discount_mode: 'rate', rate_bp: 9000, scope: 'all',
    starts_at: new Date(Date.now() - 3600e3).toISOString().replace('T', ' '), active: true, label, priority: 1,
  } });
}

// phonePage opens a phone context and a page with a patient default
// timeout: these tests share two cores with other builds and tests.
export async function phonePage(browser, opts = {}) {
  const ctx = await phone(browser, opts);
  ctx.setDefaultTimeout(60000);
  const page = await ctx.newPage();
  return { ctx, page };
}
