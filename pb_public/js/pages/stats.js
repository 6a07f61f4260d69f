// 推广统计: clicks, sign-ups, paid orders and conversion per link.
import { shop, pb } from '../api.js';
import { esc, yuan, rate, empty } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view) {
  setTitle('推广统计');
  const s = await shop('/distribution/stats');
  const t = s.totals;
  const ids = [...new Set(s.links.map((l) => l.product).filter(Boolean))];
  const names = {};
  if (ids.length) {
    const ps = await pb.collection('products').getFullList({ filter: ids.map((id) => `id = "${id.replace(/"/g, '')}"`).join(' || '), fields: 'id,title' }).catch(() => []);
    for (const p of ps) names[p.id] = p.title;
  }
  const figs = (c) => `<div class="figs4"><div><b>${c.clicks}</b><small>访问</small></div><div><b>${c.signups}</b><small>注册</small></div><div><b>${c.paid_orders}</b><small>成交订单</small></div><div><b>${yuan(c.paid_amount)}</b><small>成交额</small></div></div>
    <p class="muted small">注册转化 ${rate(c.signup_rate_bp)} · 下单转化 ${rate(c.order_rate_bp)}${c.refunded_amount ? ` · 退款 ${yuan(c.refunded_amount)}` : ''}</p>`;
  view.innerHTML = `<section class="card"><h3>全部链接</h3>${figs(t)}</section>
    ${s.links.length ? s.links.map((l) => `<section class="card"><h4>${esc(l.product ? names[l.product] || '商品链接' : l.material ? '素材链接' : '邀请链接')} <small class="muted">${esc(l.code)} · ${esc(l.channel)}</small></h4>${figs(l)}</section>`).join('')
    : empty('还没有推广链接，分享商品或邀请海报后这里会显示效果', '<a class="btn" href="#/dist/invite">去邀请</a>')}`;
}
