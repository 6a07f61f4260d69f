// 好友分享的购物车: what a friend shared, and 一键加入我的购物车 (which also
// binds the friend as upline when the shop's binding mode allows).
import { shop } from '../api.js';
import { esc, img, price, yuan, busy, toast, empty } from '../ui.js';
import { setTitle, go, refreshCartBadge } from '../app.js';

const skipped = { off_shelf: '已下架', sold_out: '已售罄', not_found: '已删除' };

export default async function (view, { code }) {
  setTitle('好友分享的购物车');
  let s;
  try {
    s = await shop(`/cart/share/${encodeURIComponent(code)}`);
  } catch (e) {
    if (e.status === 404 || e.status === 410) { view.innerHTML = empty('分享已过期或不存在', '<a class="btn" href="#/">去首页逛逛</a>'); return; }
    throw e;
  }
  const c = s.cart;
  view.innerHTML = `
    <section class="card"><b>${esc(s.nickname || '好友')}</b> 分享了 ${c.lines.length} 件好物给你</section>
    <section class="card lines">${c.lines.map((l) => `<div class="oline">${img(l.thumb, l.title, 'limg')}<div class="grow"><div class="ltitle">${esc(l.title)}</div>
      <div class="muted small">${esc(l.spec_text)}</div></div><div class="right">${price(l.unit_price)}<div class="muted small">× ${l.quantity}</div></div></div>`).join('')}</section>
    <section class="card sums"><div class="row"><span>合计（优惠前）</span><span>${yuan(c.goods)}</span></div></section>
    <div class="bottom-bar"><button class="btn block" id="import">一键加入我的购物车</button></div>`;
  view.querySelector('#import').onclick = (e) => busy(e.target, async () => {
    const r = await shop(`/cart/share/${encodeURIComponent(code)}/import`, { method: 'POST' });
    const miss = (r.skipped || []).map((x) => skipped[x.reason] || '不可购买');
    toast(`已加入 ${r.imported} 件${miss.length ? `，${miss.length} 件${miss[0]}` : ''}`);
    refreshCartBadge();
    go('#/cart');
  });
}
