// Small view helpers: escaping, yuan, statuses in Chinese, toasts, sheets
// and the empty, error and sign-in states every page shares.
import { errorText } from './api.js';

export const $ = (sel, root = document) => root.querySelector(sel);
export const $$ = (sel, root = document) => [...root.querySelectorAll(sel)];

export function esc(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

// yuan formats fen as ¥12.80 (always two decimals, integer arithmetic).
export function yuan(fen, sign = '¥') {
  const n = Number(fen || 0);
  const a = Math.abs(n);
  return (n < 0 ? '-' : '') + sign + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0');
}

// price renders a red price with a small ¥.
export function price(fen, cls = '') {
  const t = yuan(fen, '');
  return `<span class="price ${cls}"><small>¥</small>${t}</span>`;
}

// rate formats basis points as a percentage: 1000 → 10%, 250 → 2.5%, 0 → 0%.
export function rate(bp) {
  const n = Number(bp || 0);
  const whole = Math.trunc(n / 100);
  const frac = String(Math.abs(n % 100)).padStart(2, '0').replace(/0+$/, '');
  return whole + (frac ? '.' + frac : '') + '%';
}

export const carrierName = {
  shunfeng: '顺丰速运', yuantong: '圆通速递', zhongtong: '中通快递', yunda: '韵达快递', shentong: '申通快递',
  jd: '京东物流', ems: 'EMS', youzhengguonei: '邮政快递包裹', jtexpress: '极兔速递', debangwuliu: '德邦物流', huitongkuaidi: '百世快递',
};

export function fmtTime(s) {
  if (!s) return '';
  const d = new Date(String(s).replace(' ', 'T'));
  if (isNaN(d)) return '';
  const p = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

export const orderStatus = {
  pending_payment: '待付款', paid: '待发货', shipped: '待收货', completed: '已完成', cancelled: '已取消', refunded: '已退款',
};
export const aftersaleStatus = {
  applied: '待审核', approved: '已同意', rejected: '已拒绝', returning: '退货中', received: '商家已收货',
  refunded: '已退款', reshipped: '已换货发出', closed: '已关闭',
};
export const aftersaleType = { refund: '仅退款', return_refund: '退货退款', exchange: '换货' };
export const commissionStatus = { frozen: '冻结中', settled: '已结算', cancelled: '已取消' };
export const withdrawalStatus = {
  pending: '待审核', approved: '已审核，待打款', transferring: '打款中', wait_user_confirm: '待确认收款',
  paid: '已到账', rejected: '已驳回', failed: '打款失败', closed: '已关闭',
};
export const levelName = { 1: '一级', 2: '二级', 3: '三级' };
export const payMethodName = {
  wechatpay: '微信支付', alipay: '支付宝', balance: '余额支付', offline: '银行转账', sandbox: '沙箱支付（测试）', gift: '排行榜奖品（免费）',
};

export function toast(msg, kind = '') {
  if (!msg) return;
  const el = document.createElement('div');
  el.className = 'toast ' + kind;
  el.textContent = msg;
  const box = $('#toasts');
  // the newest two stay readable
  while (box.children.length >= 2) box.firstChild.remove();
  box.append(el);
  setTimeout(() => el.remove(), kind === 'live' ? 6000 : kind === 'error' ? 4000 : 3000);
}

export const toastError = (err) => toast(errorText(err), 'error');

export function empty(text, action = '') {
  return `<div class="empty"><div class="empty-art">◌</div><p>${esc(text)}</p>${action}</div>`;
}

export function errorBox(err, retry = true) {
  return `<div class="empty error-state"><div class="empty-art">!</div><p>${esc(errorText(err))}</p>${
    retry ? '<button class="btn ghost" onclick="location.reload()">重新加载</button>' : ''}</div>`;
}

// sheet opens a bottom sheet with html; resolves when closed.
export function sheet(html, onMount) {
  return new Promise((resolve) => {
    const back = document.createElement('div');
    back.className = 'sheet-back';
    back.innerHTML = `<div class="sheet" role="dialog"><button class="sheet-x" aria-label="关闭">×</button>${html}</div>`;
    const close = (v) => { back.remove(); window.removeEventListener('hashchange', onHash); resolve(v); };
    const onHash = () => close();
    back.addEventListener('click', (e) => { if (e.target === back || e.target.classList.contains('sheet-x')) close(); });
    window.addEventListener('hashchange', onHash);
    document.body.append(back);
    onMount?.(back.querySelector('.sheet'), close);
  });
}

export function confirmBox(text, ok = '确定') {
  return sheet(`<p class="confirm-text">${esc(text)}</p><div class="row gap"><button class="btn ghost" data-no>再想想</button><button class="btn" data-yes>${esc(ok)}</button></div>`,
    (el, close) => {
      el.querySelector('[data-no]').onclick = () => close(false);
      el.querySelector('[data-yes]').onclick = () => close(true);
    });
}

// img is a lazy image with a placeholder colour behind it.
export function img(src, alt = '', cls = '') {
  return src ? `<img class="${cls}" src="${esc(src)}" alt="${esc(alt)}" loading="lazy" decoding="async">`
    : `<div class="${cls} noimg">${esc((alt || '商品').slice(0, 2))}</div>`;
}

// busy disables a button while fn runs and shows errors as toasts.
export async function busy(btn, fn) {
  if (btn.disabled) return;
  btn.disabled = true;
  try { return await fn(); } catch (e) { toastError(e); } finally { btn.disabled = false; }
}

export async function copy(text) {
  try { await navigator.clipboard.writeText(text); toast('已复制'); } catch {
    const t = document.createElement('textarea'); t.value = text; document.body.append(t); t.select();
    document.execCommand('copy'); t.remove(); toast('已复制');
  }
}
