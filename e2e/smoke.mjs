// The harness itself: the demo shop's home page renders in Chromium.
import { run, phone, shot, assert, watchErrors, BASE_URL } from './lib/browser.mjs';

await run(async (browser) => {
  const page = await (await phone(browser)).newPage();
  const errors = watchErrors(page);
  await page.goto(BASE_URL + '/');
  await page.waitForLoadState('networkidle');
  const text = await page.textContent('body');
  assert(text.includes('¥'), 'home page shows prices');
  await shot(page, 'home');
  assert(errors.length === 0, 'no page errors: ' + errors.join('; '));
});
