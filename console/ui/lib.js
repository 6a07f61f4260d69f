// Shared helpers: the SDK client, money and time formatting, small DOM
// builders and error messages in the shop's error shape.
import PocketBase from './vendor/pocketbase.es.mjs';

export const pb = new PocketBase(location.origin);
pb.autoCancellation(false);

/** yuan formats integer fen as ¥12.34 (never through floats). */
export function yuan(fen) {
  const n = Number(fen || 0);
  const sign = n < 0 ? '-' : '';
  const a = Math.abs(n);
  const y = Math.floor(a / 100).toLocaleString('zh-CN');
  return `${sign}¥${y}.${String(a % 100).padStart(2, '0')}`;
}

/** fenOf parses a yuan amount typed by staff ("12.3") into integer fen. */
export function fenOf(text) {
  const m = String(text).trim().match(/^(\d+)(?:\.(\d{1,2}))?$/);
  if (!m) return NaN;
  return Number(m[1]) * 100 + Number((m[2] || '').padEnd(2, '0'));
}

/** when shows a PocketBase date in Asia/Shanghai time. */
export function when(s) {
  if (!s) return '';
  const d = new Date(String(s).replace(' ', 'T'));
  return d.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false, month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit' });
}

/** errorText reads a shop error (data.error.code) or a field error. */
export function errorText(err) {
  const r = err?.response;
  if (r?.data) {
    for (const v of Object.values(r.data)) {
      if (v && v.message) return v.message;
    }
  }
  return r?.message || err?.message || '操作失败';
}

export const api = {
  get: (path, query) => pb.send(path, { method: 'GET', query }),
  post: (path, body) => pb.send(path, { method: 'POST', body: body || {} }),
};

let toastTimer;
export function toast(text, bad = false) {
  document.querySelector('.toast')?.remove();
  const t = h('div', { class: 'toast' + (bad ? ' bad' : '') }, text);
  document.body.append(t);
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => t.remove(), 3500);
}

/** h builds an element: h('td', {class: 'num'}, 'text', child, ...). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'value') el.value = v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** table renders rows with columns [{title, num?, cell(row)}]. */
export function table(columns, rows, emptyText = '暂无数据') {
  return h('table', {},
    h('thead', {}, h('tr', {}, columns.map(c => h('th', { class: c.num ? 'num' : '' }, c.title)))),
    h('tbody', {}, rows.length
      ? rows.map(r => h('tr', { 'data-id': r.id }, columns.map(c => h('td', { class: c.num ? 'num' : '' }, c.cell(r)))))
      : h('tr', {}, h('td', { colspan: columns.length, class: 'empty' }, emptyText))));
}

/** act runs an action button: disabled while it runs, a toast after. */
export async function act(button, fn, done) {
  button.disabled = true;
  try {
    await fn();
    toast(done || '已完成');
    return true;
  } catch (err) {
    toast(errorText(err), true);
    return false;
  } finally {
    button.disabled = false;
  }
}

export const orderStatus = {
  pending_payment: ['待付款', 'warn'], paid: ['待发货', 'bad'], shipped: ['已发货', 'info'],
  completed: ['已完成', 'ok'], cancelled: ['已取消', ''], refunded: ['已退款', ''],
};
export const aftersaleStatus = {
  applied: ['待审核', 'bad'], approved: ['已同意', 'warn'], rejected: ['已拒绝', ''], returning: ['退货中', 'info'],
  received: ['已收货', 'warn'], refunded: ['已退款', 'ok'], reshipped: ['已补发', 'ok'], closed: ['已关闭', ''],
};
export const aftersaleType = { refund: '仅退款', return_refund: '退货退款', exchange: '换货' };
export const withdrawalStatus = {
  pending: ['待审核', 'bad'], approved: ['待打款', 'warn'], transferring: ['转账中', 'info'], wait_user_confirm: ['待用户确认', 'info'],
  paid: ['已打款', 'ok'], rejected: ['已拒绝', ''], failed: ['失败', 'bad'], closed: ['已关闭', ''],
};
export function tag(map, key) {
  const [text, cls] = map[key] || [key, ''];
  return h('span', { class: 'tag ' + cls }, text);
}

/** download fetches an export with the signed-in token and saves it. */
export async function download(path, query, name) {
  const url = new URL(path, location.origin);
  for (const [k, v] of Object.entries(query || {})) if (v) url.searchParams.set(k, v);
  const res = await fetch(url, { headers: { Authorization: pb.authStore.token } });
  if (!res.ok) {
    let body = {};
    try { body = await res.json(); } catch { /* not JSON */ }
    throw { response: body };
  }
  const blob = await res.blob();
  const a = h('a', { href: URL.createObjectURL(blob), download: name });
  document.body.append(a);
  a.click();
  a.remove();
}

/** carriers staff pick from: Kuaidi100 codes with their Chinese names. */
export const companies = [
  ['shunfeng', '顺丰速运'], ['zhongtong', '中通快递'], ['yuantong', '圆通速递'], ['yunda', '韵达快递'],
  ['shentong', '申通快递'], ['jd', '京东物流'], ['ems', 'EMS'], ['youzhengguonei', '邮政快递包裹'], ['jtexpress', '极兔速递'],
];
export const companyName = (code) => (companies.find(c => c[0] === code) || [code, code])[1];
