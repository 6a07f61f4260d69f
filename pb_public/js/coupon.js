// One coupon as a ticket: the amount on the left, name, terms and validity
// on the right, an action or state at the end. Shared by the coupon centre,
// 我的优惠券 and the checkout picker.
import { esc, yuan, fmtTime } from './ui.js';

// whole yuan read better without the .00: 满100 rather than 满100.00
const amt = (fen) => (Number(fen) % 100 ? yuan(fen, '') : String(Number(fen) / 100));

// face is the big figure: ¥10 off or 9折.
export function face(c) {
  // the cart's coupons carry a label and what they take off this cart
  if (!c.kind) return c.usable ? `<small>¥</small><b>${amt(c.amount)}</b>` : `<small>${esc(c.label || '')}</small>`;
  if (c.kind === 'percent') {
    const z = (10000 - Number(c.rate_bp || 0)) / 1000;
    return `<b>${esc(String(Math.round(z * 10) / 10))}</b><small>折</small>`;
  }
  const off = Number(c.off || 0);
  return `<small>¥</small><b>${amt(off)}</b>`;
}

// terms says when it applies: 满100可用 / 无门槛, and a cap on 折扣券.
export function terms(c) {
  if (!c.kind) return c.label || '';
  const t = [c.threshold ? `满${amt(c.threshold)}元可用` : '无门槛'];
  if (c.kind === 'percent' && c.max_off) t.push(`最多减${amt(c.max_off)}元`);
  if (c.scope && c.scope !== 'all') t.push('指定商品可用');
  return t.join(' · ');
}

export function validity(c) {
  if (c.ends_at) return `${c.starts_at ? fmtTime(c.starts_at).slice(0, 10) + ' 至 ' : '有效期至 '}${fmtTime(c.ends_at).slice(0, 10)}`;
  if (c.valid_days) return `领取后 ${c.valid_days} 天内有效`;
  return '';
}

// note is a line in red under the terms (why a coupon cannot be used).
export function ticket(c, side = '', cls = '', note = '') {
  return `<div class="coupon ${cls}" data-id="${esc(c.id)}">
    <div class="cface">${face(c)}</div>
    <div class="cbody"><b>${esc(c.name)}</b><div class="small">${esc(terms(c))}</div><div class="muted small">${esc(validity(c))}</div>${note ? `<div class="reason">${esc(note)}</div>` : ''}</div>
    <div class="cside">${side}</div></div>`;
}
