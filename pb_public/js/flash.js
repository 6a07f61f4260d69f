// Flash sales (秒杀) on the product page and their own checkout: the flash
// price, the slot's countdown (from the server's seconds, not the phone's
// clock), the units left or 已抢完, the per-buyer limit, and the order
// placed with the `offer` the checkout API takes.
import { shop, pb } from './api.js';
import { esc, price, yuan, img, busy } from './ui.js';
import { go } from './app.js';

// findItem returns the flash item for product: the one named in the link,
// else one in a slot that runs or is coming up; null when there is none.
export async function findItem(productId, itemId) {
  if (!itemId) {
    const s = await shop('/flash/sessions').catch(() => ({ sessions: [] }));
    const it = (s.sessions || []).filter((x) => x.state !== 'ended').flatMap((x) => x.items || []).find((i) => i.product === productId);
    if (!it) return null;
    itemId = it.id;
  }
  const item = await shop(`/flash/items/${encodeURIComponent(itemId)}`).catch(() => null);
  if (!item || item.product !== productId || item.session.state === 'ended') return null;
  return item;
}

// hms formats seconds as 时:分:秒.
export function hms(s) {
  const p = (n) => String(n).padStart(2, '0');
  return `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
}

// blocker says what stops the buyer from taking the item now ('' if nothing).
export function blocker(item) {
  if (item.session.state === 'upcoming') return '即将开始';
  if (item.sold_out) return '已抢完';
  if (item.per_user_limit > 0 && (item.bought || 0) >= item.per_user_limit) return '已达限购';
  return '';
}

// banner is the flash block at the top of the product page.
export function banner(item) {
  const live = item.session.state === 'live';
  const limit = item.per_user_limit > 0 ? `每人限购 ${item.per_user_limit} 件${item.bought ? `（已购 ${item.bought} 件）` : ''}` : '';
  const pct = item.sold_out ? 100 : item.stock ? Math.round((item.sold / item.stock) * 100) : 0;
  return `<section class="flash-bar ${item.sold_out ? 'gone' : ''}">
      <div class="fb-left"><b>限时秒杀</b><div>${price(item.flash_price, 'big')}${item.price ? ` <s>${yuan(item.price)}</s>` : ''}</div></div>
      <div class="fb-right"><small>${live ? '距结束' : '距开始'}</small><span class="countdown" id="flash-left"></span></div>
    </section>
    <section class="card flash-info small">
      <div class="fbar"><span style="width:${pct}%"></span></div>
      <div class="row"><span>${item.sold_out ? '<b class="red">已抢完</b>' : `已抢 ${item.sold} 件 · 剩余 ${item.remaining} 件`}</span><span class="muted">${esc(limit)}</span></div>
      <div class="muted">${esc(item.spec_text || '')} 参加本场秒杀${item.session.allow_coupons ? '' : '，不可使用优惠券'}${item.session.allow_promotions ? '' : '，不与其他优惠同享'}；下单后 ${item.session.pay_minutes} 分钟内未支付将自动取消</div>
    </section>`;
}

// countdown ticks el from the item's seconds and calls done at zero.
export function countdown(el, item, done) {
  const t0 = Date.now();
  const total = item.session.state === 'live' ? item.session.ends_in : item.session.starts_in;
  let fired = false;
  const tick = () => {
    const s = Math.max(0, total - Math.floor((Date.now() - t0) / 1000));
    if (el) el.textContent = hms(s);
    if (s === 0 && !fired) { fired = true; done?.(); }
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}

// checkoutPage is 确认订单 for a flash item: one line at the flash price.
export async function checkoutPage(view, query) {
  const id = query.get('offer');
  const [item, addresses] = await Promise.all([
    shop(`/flash/items/${encodeURIComponent(id)}`),
    pb.collection('addresses').getFullList({ sort: '-is_default,-updated' }),
  ]);
  const address = addresses.find((a) => a.id === query.get('address')) || addresses.find((a) => a.is_default) || addresses[0];
  const most = Math.max(1, Math.min(item.remaining, item.per_user_limit > 0 ? item.per_user_limit - (item.bought || 0) : item.remaining));
  let qty = Math.min(most, Math.max(1, parseInt(query.get('qty'), 10) || 1));
  const stop = blocker(item);
  const back = encodeURIComponent(`#/checkout?offer=${id}&qty=${qty}`);
  view.innerHTML = `
    <a class="card addr" href="#/addresses?pick=1&next=${back}">
      ${address ? `<div><b>${esc(address.name)}</b> ${esc(address.phone)} ${address.is_default ? '<span class="tag">默认</span>' : ''}
        <div class="muted">${esc(address.province)}${esc(address.city)}${esc(address.district)}${esc(address.detail)}</div></div>`
    : '<div><b>请添加收货地址</b><div class="muted">填写后计算运费</div></div>'}<span class="muted">›</span></a>
    <section class="card lines"><div class="oline">${img(item.image, item.title, 'limg')}<div class="grow"><div class="ltitle"><span class="tag">秒杀</span> ${esc(item.title)}</div>
      <div class="muted small">${esc(item.spec_text)}</div></div><div class="right">${price(item.flash_price)}${item.price ? `<div><s class="muted small">${yuan(item.price)}</s></div>` : ''}</div></div>
      <div class="row"><span>数量 <small class="muted">${item.per_user_limit > 0 ? `每人限购 ${item.per_user_limit} 件` : ''}</small></span>
        <div class="stepper"><button data-d="-1" aria-label="减少">−</button><input id="qty" inputmode="numeric" value="${qty}"><button data-d="1" aria-label="增加">+</button></div></div>
    </section>
    <section class="card sums">
      <div class="row"><span>秒杀价 × <b id="q2">${qty}</b></span><span id="goods">${yuan(item.flash_price * qty)}</span></div>
      <div class="row"><span>运费</span><span class="muted">按收货地址计算，见收银台</span></div>
      <div class="muted small">${item.session.allow_coupons ? '' : '秒杀商品不可使用优惠券。'}请在 ${item.session.pay_minutes} 分钟内完成支付，超时订单自动取消、库存退回。</div>
      <label class="note">订单备注<input id="note" maxlength="200" placeholder="选填，给商家留言"></label>
    </section>
    <div class="bottom-bar"><span class="grow right">秒杀 <span id="countdown" class="muted small"></span></span><button class="btn" id="submit" ${address && !stop ? '' : 'disabled'}>${stop || '提交订单'}</button></div>`;
  const paint = () => {
    qty = Math.max(1, Math.min(qty, most));
    view.querySelector('#qty').value = qty;
    view.querySelector('#q2').textContent = qty;
    view.querySelector('#goods').textContent = yuan(item.flash_price * qty);
  };
  view.querySelectorAll('[data-d]').forEach((b) => (b.onclick = () => { qty += Number(b.dataset.d); paint(); }));
  view.querySelector('#qty').onchange = (e) => { qty = parseInt(e.target.value, 10) || 1; paint(); };
  const cd = view.querySelector('#countdown');
  const t0 = Date.now();
  const paintLeft = () => {
    const s = Math.max(0, item.session.ends_in - Math.floor((Date.now() - t0) / 1000));
    cd.textContent = item.session.state === 'live' ? `${hms(s)} 后结束` : '';
  };
  paintLeft();
  const tick = setInterval(paintLeft, 1000);
  view.querySelector('#submit').onclick = (e) => busy(e.target, async () => {
    const order = await shop('/checkout', { method: 'POST', body: {
      items: [{ sku: item.sku, quantity: qty }], offer: item.id, address: address.id,
      coupon: item.session.allow_coupons ? '' : 'none', note: view.querySelector('#note').value.trim() } });
    go('#/pay/' + order.id);
  });
  return () => clearInterval(tick);
}
