// Shared helpers for the browser tests: Debian's Chromium through
// playwright-core, a phone-sized context, screenshots and assertions.
import { chromium } from 'playwright-core';
import path from 'node:path';

export const BASE_URL = process.env.BASE_URL;
export const SHOT_DIR = process.env.SHOT_DIR || '.';

// launch starts headless Chromium with the flags this machine needs
// (no sandbox as root, no background connections to the closed network).
export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// phone opens a 390×844 context (a typical phone) with Chinese locale.
export async function phone(browser, opts = {}) {
  return browser.newContext({
    viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true,
    locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts,
  });
}

// desktop opens a 1366×900 context for the operations console.
export async function desktop(browser, opts = {}) {
  return browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', timezoneId: 'Asia/Shanghai', ...opts });
}

// shot saves a full-page screenshot under SHOT_DIR.
export async function shot(page, name) {
  await page.screenshot({ path: path.join(SHOT_DIR, name + '.png'), fullPage: true });
}

// failOnPageErrors collects uncaught page errors so a test can assert none happened.
export function watchErrors(page) {
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  return errors;
}

export function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg);
}

export function assertEq(got, want, msg) {
  if (JSON.stringify(got) !== JSON.stringify(want)) {
    throw new Error(`assertion failed: ${msg}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`);
  }
}

// api calls the shop directly (setup and checks beside the browser).
export async function api(method, p, { token, body } = {}) {
  const res = await fetch(BASE_URL + p, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: token } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let data; try { data = JSON.parse(text); } catch { data = text; }
  if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text}`);
  return data;
}

// adminToken signs in as the superuser the harness created.
export async function adminToken() {
  const r = await api('POST', '/api/collections/_superusers/auth-with-password',
    { body: { identity: process.env.ADMIN_EMAIL, password: process.env.ADMIN_PASSWORD } });
  return r.token;
}

// run wraps a test body: closes the browser and exits non-zero on failure.
export async function run(fn) {
  const browser = await launch();
  try {
    await fn(browser);
    console.log('ok');
  } catch (e) {
    console.error(e);
    process.exitCode = 1;
    // what each page showed when the test failed, for a run nobody watched
    const pages = browser.contexts().flatMap((c) => c.pages());
    for (const [i, p] of pages.entries()) {
      console.error(`page ${i} at the failure: ${p.url()}`);
      await p.screenshot({ path: path.join(SHOT_DIR, `FAILED-${i}.png`), fullPage: true }).catch(() => {});
    }
  } finally {
    await browser.close();
  }
}
