// The storefront shell: a hash router over small page modules, the tab bar,
// the cart badge, referral capture, expired sign-in and offline handling,
// and the live commission toast for distributors.
import { pb, shop, info, signedIn, errorText } from './api.js';
import { captureReferral } from './referral.js';
import { $, $$, esc, toast, yuan, errorBox, levelName } from './ui.js';

const routes = [
  ['', 'home', 'home'],
  ['category', 'category', 'category'],
  ['search', 'search'],
  ['p/:id', 'product'],
  ['cart', 'cart', 'cart', true],
  ['cartshare/:code', 'cartshare', null, true],
  ['checkout', 'checkout', null, true],
  ['pay/:id', 'pay', null, true],
  ['orders', 'orders', null, true],
  ['o/:id', 'order', null, true],
  ['as/new', 'aftersale_new', null, true],
  ['as/:id', 'aftersale', null, true],
  ['login', 'login'],
  ['me', 'me', 'me'],
  ['profile', 'profile', null, true],
  ['addresses', 'addresses', null, true],
  ['address/:id', 'address', null, true],
  ['notifications', 'notifications', null, true],
  ['coupons', 'coupons'],
  ['coupons/mine', 'mycoupons', null, true],
  ['dist', 'dist', null, true],
  ['dist/commissions', 'commissions', null, true],
  ['dist/team', 'team', null, true],
  ['dist/rank', 'rank', null, true],
  ['dist/stats', 'stats', null, true],
  ['dist/invite', 'invite', null, true],
  ['dist/materials', 'materials', null, true],
  ['dist/withdraw', 'withdraw', null, true],
];

function match(path) {
  const parts = path.split('/').filter(Boolean);
  for (const [pattern, page, tab, auth] of routes) {
    const pp = pattern.split('/').filter(Boolean);
    if (pp.length !== parts.length) continue;
    const params = {};
    if (pp.every((p, i) => (p.startsWith(':') ? (params[p.slice(1)] = decodeURIComponent(parts[i])) : p === parts[i]))) {
      return { page, tab, auth, params };
    }
  }
  return null;
}

let cleanup = null;
let seq = 0;

// setTitle is called by pages; back shows on every page but the tabs.
export function setTitle(t) {
  $('#title').textContent = t;
  document.title = t + ' · ' + shopName;
}
let shopName = '分销商城';

export function go(hash) { location.hash = hash; }

// loginFirst sends the visitor to sign in and back to `next` afterwards.
export function loginFirst(next = location.hash || '#/') {
  go('#/login?next=' + encodeURIComponent(next));
}

async function route() {
  const my = ++seq;
  // a page's cleanup may unsubscribe over the network (offline: it fails)
  if (cleanup) { try { Promise.resolve(cleanup()).catch(() => {}); } catch { /* page already gone */ } cleanup = null; }
  const [path, qs] = (location.hash.slice(1) || '/').split('?');
  const query = new URLSearchParams(qs || '');
  const m = match(path);
  // each visit paints into its own element: a page whose data arrives after
  // the buyer moved on writes into a detached node, never over the next page
  const view = document.createElement('div');
  $('#view').replaceChildren(view);
  $$('#tabbar a').forEach((a) => a.classList.toggle('on', !!m && a.dataset.tab === m.tab));
  document.body.classList.toggle('with-tabs', !!m?.tab);
  $('#back').hidden = !!m?.tab;
  if (!m) { view.innerHTML = errorBox({ status: 404 }, false); return; }
  if (m.auth && !signedIn()) { loginFirst(); return; }
  view.innerHTML = '<p class="loading">加载中…</p>';
  view.className = 'page-' + m.page;
  try {
    const mod = await import(`./pages/${m.page}.js`);
    if (my !== seq) return;
    const c = await mod.default(view, { ...m.params, query }, { isCurrent: () => my === seq });
    if (my !== seq) { if (typeof c === 'function') Promise.resolve(c()).catch(() => {}); return; }
    cleanup = typeof c === 'function' ? c : null;
    window.scrollTo(0, 0);
  } catch (e) {
    if (my !== seq) return;
    if (e?.status === 401) { expired(); return; }
    console.error(e);
    $('#title').textContent = '加载失败';
    view.innerHTML = errorBox(e);
  }
}

// expired clears a sign-in the server no longer accepts.
function expired() {
  pb.authStore.clear();
  toast('登录已过期，请重新登录', 'error');
  loginFirst();
}

export async function refreshCartBadge() {
  const b = $('#cart-count');
  if (!signedIn()) { b.hidden = true; return; }
  try {
    const c = await pb.collection('cart_items').getList(1, 1, { fields: 'id' });
    b.textContent = c.totalItems > 99 ? '99+' : String(c.totalItems);
    b.hidden = c.totalItems === 0;
  } catch { b.hidden = true; }
}

// live commission toasts while the distributor has the shop open
let liveOff = null;
async function watchCommissions() {
  if (liveOff) { Promise.resolve(liveOff()).catch(() => {}); liveOff = null; }
  if (!signedIn() || !pb.authStore.record.is_distributor) return;
  try {
    liveOff = await pb.collection('commissions').subscribe('*', (ev) => {
      if (ev.action !== 'create') return;
      const c = ev.record;
      toast(`新佣金 +${yuan(c.amount)}（${levelName[c.level] || ''}下线下单，冻结中）`, 'live');
      window.dispatchEvent(new CustomEvent('fx:commission', { detail: c }));
    });
  } catch { /* realtime is a bonus; the centre still loads on open */ }
}

pb.authStore.onChange(() => { refreshCartBadge(); watchCommissions(); });

window.addEventListener('offline', () => { $('#offline').hidden = false; });
window.addEventListener('online', () => { $('#offline').hidden = true; });
window.addEventListener('unhandledrejection', (e) => {
  if (e.reason?.status === 401 && signedIn()) expired();
});
$('#back').addEventListener('click', (e) => {
  e.preventDefault();
  if (history.length > 1) history.back(); else go('#/');
});

async function boot() {
  // a stored token that has expired is dropped before any page uses it
  if (pb.authStore.token && !pb.authStore.isValid) pb.authStore.clear();
  if (signedIn()) {
    pb.collection('users').authRefresh().catch((e) => { if (e.status === 401 || e.status === 404) pb.authStore.clear(); });
  }
  captureReferral();
  info().then((i) => {
    shopName = i.name && !['Acme', 'fenxiao'].includes(i.name) ? i.name : '分销商城';
    $('#sandbox-badge').hidden = !i.sandbox;
  });
  $('#offline').hidden = navigator.onLine;
  window.addEventListener('hashchange', route);
  route();
  refreshCartBadge();
  watchCommissions();
}

boot();
export { errorText, esc, shop };
