// 我的优惠券: 未使用 / 已使用 / 已过期 tabs.
import { shop } from '../api.js';
import { empty, fmtTime } from '../ui.js';
import { ticket } from '../coupon.js';
import { setTitle } from '../app.js';

const tabs = [['unused', '未使用'], ['used', '已使用'], ['expired', '已过期']];

export default async function (view, { query }) {
  setTitle('我的优惠券');
  const tab = tabs.some(([v]) => v === query.get('status')) ? query.get('status') : 'unused';
  const { items } = await shop('/coupons/mine', { query: { status: tab } });
  const side = (c) => (tab === 'unused' ? '<a class="btn small ghost" href="#/">去使用</a>'
    : `<span class="cstate">${tab === 'used' ? '已使用' : '已过期'}${c.used_at ? `<small>${fmtTime(c.used_at).slice(5, 10)}</small>` : ''}</span>`);
  view.innerHTML = `<div class="tabs sticky">${tabs.map(([v, l]) => `<a class="${v === tab ? 'on' : ''}" href="#/coupons/mine?status=${v}">${l}</a>`).join('')}</div>
    ${items.length ? items.map((c) => ticket(c, side(c), tab === 'unused' ? '' : 'off')).join('')
    : empty(tab === 'unused' ? '没有可用的优惠券' : tab === 'used' ? '还没有用过优惠券' : '没有过期的优惠券', tab === 'unused' ? '<a class="btn" href="#/coupons">去领券中心</a>' : '')}`;
}
