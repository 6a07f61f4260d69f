// The console shell: sign-in (superuser or staff), the menu the signed-in
// role may use, and a hash router over the views.
import { pb, api, h, errorText } from './lib.js';
import home from './views/home.js';
import ship from './views/ship.js';
import aftersales from './views/aftersales.js';
import offline from './views/offline.js';
import withdrawals from './views/withdrawals.js';
import referral from './views/referral.js';
import rankings from './views/rankings.js';
import jobs from './views/jobs.js';
import exports from './views/exports.js';
import staff from './views/staff.js';

// views in menu order; a view shows when the role has any of its permissions
const views = [
  { path: 'home', title: '经营概览', perms: ['reports.view'], view: home },
  { path: 'ship', title: '待发货', perms: ['orders.ship'], view: ship, queue: 'to_ship' },
  { path: 'aftersales', title: '售后处理', perms: ['aftersales.process'], view: aftersales, queue: 'aftersales_open' },
  { path: 'offline', title: '银行转账确认', perms: ['payments.confirm'], view: offline, queue: 'offline_waiting' },
  { path: 'withdrawals', title: '提现审核', perms: ['withdrawals.review', 'withdrawals.pay'], view: withdrawals, queue: 'withdrawals_waiting' },
  { path: 'referral', title: '推荐关系', perms: ['referral.move', 'rewards.grant', 'wallets.adjust'], view: referral },
  { path: 'rankings', title: '排行榜', perms: ['reports.view'], view: rankings },
  { path: 'jobs', title: '定时任务', perms: ['jobs.run'], view: jobs },
  { path: 'exports', title: '数据导出', perms: ['export.orders', 'export.finance', 'export.users'], view: exports },
  { path: 'staff', title: '员工管理', owner: true, view: staff },
];

const root = document.getElementById('app');
let me = null;

async function start() {
  if (!pb.authStore.isValid) return signIn();
  try {
    me = await api.get('/api/shop/admin/reports/me');
  } catch {
    pb.authStore.clear();
    return signIn();
  }
  window.addEventListener('hashchange', render);
  render();
}

function signIn() {
  let as = 'staff';
  const email = h('input', { name: 'email', type: 'email', autocomplete: 'username', placeholder: 'name@shop.com' });
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password' });
  const error = h('p', { class: 'muted', style: 'color: var(--brand); margin: 12px 0 0' });
  const tabs = [['staff', '员工登录'], ['_superusers', '管理员登录']].map(([c, label]) =>
    h('button', { type: 'button', class: c === as ? 'on' : '', 'data-as': c, onclick: (ev) => {
      as = c;
      tabs.forEach(t => t.classList.toggle('on', t === ev.currentTarget));
    } }, label));
  const form = h('form', { class: 'login', onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    try {
      await pb.collection(as).authWithPassword(email.value.trim(), password.value);
      me = await api.get('/api/shop/admin/reports/me');
      location.hash = '#/' + firstView().path;
      window.addEventListener('hashchange', render);
      render();
    } catch (err) {
      pb.authStore.clear();
      // PocketBase answers 403 when the collection's auth rule (active) refuses
      error.textContent = err?.status === 403 ? '该账号已停用，请联系店主'
        : err?.status === 400 ? '邮箱或密码不正确' : errorText(err);
    }
  } },
    h('h1', {}, '运营后台'),
    h('p', {}, '分销商城 · 订单、售后、提现与报表'),
    h('div', { class: 'tabs' }, tabs),
    h('label', {}, '邮箱'), email,
    h('label', {}, '密码'), password,
    h('button', { class: 'primary', type: 'submit' }, '登录'),
    error);
  root.replaceChildren(form);
}

// staff management is for owners and superusers, not for any permission
function allowed(v) {
  if (v.owner) return me.role === 'owner' || me.role === 'superuser';
  return v.perms.some(p => me.permissions.includes(p));
}

function firstView() {
  return views.find(allowed) || views[0];
}

const roleNames = { superuser: '超级管理员', owner: '店主', operations: '运营', warehouse: '仓库', finance: '财务', support: '客服', custom: '自定义' };

async function render() {
  const path = (location.hash.replace(/^#\/?/, '').split('?')[0]) || firstView().path;
  const current = views.find(v => v.path === path && allowed(v)) || firstView();
  const badges = {};
  const nav = h('nav', { class: 'side' },
    h('div', { class: 'logo' }, '分销商城', h('small', {}, '运营后台')),
    views.filter(allowed).map(v => {
      const b = h('span', { class: 'badge', hidden: true });
      if (v.queue) badges[v.queue] = b;
      return h('a', { href: '#/' + v.path, class: v === current ? 'on' : '' }, v.title, b);
    }));
  const title = h('h2', {}, current.title);
  const content = h('section', { class: 'content' }, h('p', { class: 'loading' }, '加载中…'));
  const main = h('main', { class: 'main' },
    h('header', { class: 'top' }, title,
      h('div', { class: 'who' },
        h('span', {}, me.name), h('span', { class: 'role' }, roleNames[me.role] || me.role),
        h('a', { href: '/_/', hidden: me.role !== 'superuser' }, '数据库后台'),
        h('button', { class: 'small', onclick: () => { pb.authStore.clear(); location.hash = ''; location.reload(); } }, '退出'))),
    content);
  root.replaceChildren(h('div', { class: 'shell' }, nav, main));
  refreshBadges(badges);
  try {
    await current.view(content, { me, refreshBadges: () => refreshBadges(badges) });
  } catch (err) {
    content.replaceChildren(h('p', { class: 'empty' }, errorText(err)));
  }
}

// queue counts next to the menu entries (from the summary, when allowed)
async function refreshBadges(badges) {
  if (!me.permissions.includes('reports.view')) return;
  try {
    const s = await api.get('/api/shop/admin/reports/summary', { days: 1 });
    for (const [k, b] of Object.entries(badges)) {
      b.textContent = s[k];
      b.hidden = !s[k];
    }
  } catch { /* the badges are a convenience */ }
}

start();
