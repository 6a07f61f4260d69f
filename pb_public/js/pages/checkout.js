// 确认订单: address (picker and editor), the selected lines priced by the
// server for that address, promotions, the coupon (best one by default, a
// picker to change it or use none), a distributor's coupon code
// (输入优惠码: gives its coupon, chosen at once, and binds the buyer when the
// shop's binding rules allow), shipping, note, 提交订单 (on to the cashier),
// and 余额支付 when the balance covers the total: the checkout then pays in
// the same request, and the order is placed paid or not at all.
import { shop, pb, info } from '../api.js';
import { esc, price, yuan, img, empty, busy, sheet, toast, confirmBox } from '../ui.js';
import { ticket } from '../coupon.js';
import { setTitle, go, refreshCartBadge } from '../app.js';
import { checkoutPage as flashCheckout } from '../flash.js';

export default async function (view, { query }) {
  setTitle('确认订单');
  // a flash-sale item is bought alone, at its flash price, not from the cart
  if (query.get('offer')) return flashCheckout(view, query);
  const addresses = await pb.collection('addresses').getFullList({ sort: '-is_default,-updated' });
  const address = addresses.find((a) => a.id === query.get('address')) || addresses.find((a) => a.is_default) || addresses[0];
  // coupon: a user_coupons id, 'none', or unset for the server's best pick
  const coupon = query.get('coupon') || '';
  const q = {};
  if (address) q.address = address.id;
  if (coupon) q.coupon = coupon;
  const [c, shopInfo] = await Promise.all([shop('/cart', { query: q }), info()]);
  const lines = c.lines.filter((l) => l.in_total);
  if (!lines.length) { view.innerHTML = empty('没有选中可购买的商品', '<a class="btn" href="#/cart">回购物车</a>'); return; }
  const wallet = (shopInfo.payment_methods || []).includes('balance') ? await shop('/wallet').catch(() => null) : null;
  const byBalance = address && wallet && c.total > 0 && wallet.available >= c.total;
  const back = encodeURIComponent('#/checkout' + (coupon ? '?coupon=' + coupon : ''));
  const usable = (c.coupons || []).filter((x) => x.usable).length;
  view.innerHTML = `
    <a class="card addr" href="#/addresses?pick=1&next=${back}">
      ${address ? `<div><b>${esc(address.name)}</b> ${esc(address.phone)} ${address.is_default ? '<span class="tag">默认</span>' : ''}
        <div class="muted">${esc(address.province)}${esc(address.city)}${esc(address.district)}${esc(address.detail)}</div></div>`
    : '<div><b>请添加收货地址</b><div class="muted">填写后计算运费</div></div>'}<span class="muted">›</span></a>
    <section class="card lines">${lines.map((l) => `
      <div class="oline">${img(l.thumb, l.title, 'limg')}<div class="grow"><div class="ltitle">${esc(l.title)}</div>
        <div class="muted small">${esc(l.spec_text)}</div></div><div class="right">${price(l.unit_price)}<div class="muted small">× ${l.quantity}</div></div></div>`).join('')}
    </section>
    <section class="card sums">
      <div class="row"><span>商品金额</span><span>${yuan(c.goods)}</span></div>
      ${c.applied.map((a) => `<div class="row"><span><span class="tag">${esc(a.label)}</span> <small class="muted">${esc(a.explanation)}</small></span><span class="red">-${yuan(a.amount)}</span></div>`).join('')}
      ${c.gifts.map((g) => `<div class="row"><span>赠品</span><span>${esc(g.label)} × ${g.quantity}</span></div>`).join('')}
      <button class="coupon-entry" id="coupon-pick"><span>优惠券</span><span>${c.coupon
    ? `<span class="tag">${esc(c.coupon.label)}</span> <span class="red">-${yuan(c.coupon_discount)}</span>`
    : `<span class="muted">${usable ? `${usable} 张可用` : (c.coupons || []).length ? '暂无可用' : '无'}</span>`} ›</span></button>
      <form class="code-entry" id="code-form"><label for="code">优惠码</label>
        <input id="code" maxlength="16" autocomplete="off" autocapitalize="characters" placeholder="输入优惠码">
        <button class="btn small ghost" id="code-apply">使用</button></form>
      <div class="row"><span>运费</span><span>${c.shipping ? yuan(c.shipping) : '免运费'}</span></div>
      ${wallet && wallet.available > 0 ? `<div class="row"><span>账户余额</span><span class="muted" id="balance">可用 ${yuan(wallet.available)}${wallet.available < c.total ? '，不足支付本单' : ''}</span></div>` : ''}
      <label class="note">订单备注<input id="note" maxlength="200" placeholder="选填，给商家留言"></label>
    </section>
    <div class="bottom-bar"><span class="grow right">共 ${c.quantity} 件 合计 ${price(c.total, 'total')}</span>${byBalance ? '<button class="btn ghost" id="pay-balance">余额支付</button>' : ''}<button class="btn" id="submit" ${address ? '' : 'disabled'}>提交订单</button></div>`;
  const form = () => ({ address: address.id, coupon: c.coupon ? c.coupon.id : 'none', note: view.querySelector('#note').value.trim() });
  view.querySelector('#submit').onclick = (e) => busy(e.target, async () => {
    const order = await shop('/checkout', { method: 'POST', body: form() });
    refreshCartBadge();
    go('#/pay/' + order.id);
  });
  const payBalance = view.querySelector('#pay-balance');
  if (payBalance) payBalance.onclick = () => busy(payBalance, async () => {
    if (!(await confirmBox(`使用余额支付 ${yuan(c.total)}？`, '确认支付'))) return;
    const order = await shop('/checkout', { method: 'POST', body: { ...form(), pay: { method: 'balance' } } });
    refreshCartBadge();
    // the order page says 支付成功 for ?paid=1
    go('#/o/' + order.id + '?paid=1');
  });
  const to = (id) => go('#/checkout?' + new URLSearchParams({ ...(address ? { address: address.id } : {}), coupon: id }));
  view.querySelector('#code-form').onsubmit = (e) => {
    e.preventDefault();
    const code = view.querySelector('#code').value.trim();
    if (!code) { toast('请输入优惠码', 'error'); return; }
    busy(view.querySelector('#code-apply'), async () => {
      const r = await shop('/coupons/code/apply', { method: 'POST', body: { code } });
      toast(r.bound ? `已领取「${r.coupon.label}」，并绑定推荐人` : `已领取「${r.coupon.label}」`);
      to(r.coupon.id);
    });
  };
  view.querySelector('#coupon-pick').onclick = () => {
    const list = (c.coupons || []).map((x) => ticket(x,
      x.usable ? (c.coupon?.id === x.id ? '<b class="red">✓ 已选</b>' : '<span class="cstate">选择</span>') : '<span class="cstate">不可用</span>',
      ['pick', x.usable ? '' : 'off', c.coupon?.id === x.id ? 'on' : ''].join(' '),
      x.usable ? '' : (x.message || '').split(' / ')[0])).join('');
    sheet(`<h3>选择优惠券</h3><div class="coupons-list">${list || '<p class="muted">没有优惠券，<a class="link" href="#/coupons">去领券中心</a></p>'}</div>
      <button class="btn block ghost" id="no-coupon">不使用优惠券</button>`, (el, close) => {
      el.querySelectorAll('.coupon.pick:not(.off)').forEach((t) => (t.onclick = () => { close(); to(t.dataset.id); }));
      el.querySelector('#no-coupon').onclick = () => { close(); to('none'); };
    });
  };
}
