// 购物车: select lines, change quantity and spec, delete, live totals with
// promotions and shipping, and 去结算.
import { shop, pb } from '../api.js';
import { esc, price, yuan, img, empty, sheet, busy, toastError, confirmBox, copy, fmtTime } from '../ui.js';
import { setTitle, go, refreshCartBadge } from '../app.js';

const lineState = { off_shelf: '已下架', sold_out: '已售罄', insufficient_stock: '库存不足', level_required: '等级专享', not_yet_on_sale: '未开售' };

export default async function (view) {
  setTitle('购物车');
  let editing = false;

  async function render() {
    const c = await shop('/cart');
    refreshCartBadge();
    if (!c.lines.length) {
      view.innerHTML = empty('购物车还是空的', '<a class="btn" href="#/">去逛逛</a>');
      return;
    }
    const allOn = c.lines.every((l) => l.selected);
    const count = c.lines.filter((l) => l.in_total).reduce((n, l) => n + l.quantity, 0);
    view.innerHTML = `
      <div class="toolbar"><span class="muted">共 ${c.lines.length} 种商品</span><span><button class="link" id="share-cart">分享给好友</button> · <button class="link" id="edit">${editing ? '完成' : '编辑'}</button></span></div>
      <section class="card lines">${c.lines.map((l) => `
        <div class="cline ${l.status !== 'ok' ? 'bad' : ''}" data-id="${esc(l.id)}">
          <input type="checkbox" class="sel" ${l.selected ? 'checked' : ''} aria-label="选择">
          <a href="#/p/${esc(l.product)}">${img(l.thumb, l.title, 'limg')}</a>
          <div class="cbody">
            <a class="ltitle" href="#/p/${esc(l.product)}">${esc(l.title)}</a>
            <button class="spec" data-product="${esc(l.product)}" data-sku="${esc(l.sku)}">${esc(l.spec_text || '默认')} ▾</button>
            ${l.status !== 'ok' ? `<span class="tag gray">${lineState[l.status] || l.status}${l.status === 'insufficient_stock' ? `，仅剩 ${l.available} 件` : ''}${l.note ? `：${esc(l.note)}` : ''}</span>` : ''}
            <div class="prow">${price(l.unit_price)}${l.price_label ? `<span class="tag level">${esc(l.price_label)}价</span>` : ''}
              ${editing ? '<button class="btn small ghost del">删除</button>' : `<div class="stepper small"><button data-d="-1" aria-label="减少" ${l.quantity <= 1 ? 'disabled' : ''}>−</button><input class="qty" inputmode="numeric" value="${l.quantity}" aria-label="数量"><button data-d="1" aria-label="增加">+</button></div>`}
            </div>
            ${l.discount ? `<div class="small red">优惠 -${yuan(l.discount)}</div>` : ''}
          </div>
        </div>`).join('')}
      </section>
      ${c.applied.length ? `<section class="card"><h3>已享优惠</h3>${c.applied.map((a) => `<div class="promo-line"><span class="tag">${esc(a.label)}</span><span>${esc(a.explanation)}</span><b class="red">-${yuan(a.amount)}</b></div>`).join('')}</section>` : ''}
      ${c.gifts.length ? `<section class="card"><h3>赠品</h3>${c.gifts.map((g) => `<div class="small">${esc(g.label)} × ${g.quantity}</div>`).join('')}</section>` : ''}
      <section class="card sums">
        <div class="row"><span>商品金额</span><span>${yuan(c.goods)}</span></div>
        <div class="row"><span>${c.coupon ? '促销优惠' : '优惠'}</span><span class="red">-${yuan(c.discount - (c.coupon_discount || 0))}</span></div>
        ${c.coupon ? `<div class="row"><span>优惠券 <span class="tag">${esc(c.coupon.label)}</span></span><span class="red">-${yuan(c.coupon_discount)}</span></div>` : (c.coupons || []).length ? '' : '<div class="row"><span>优惠券</span><a class="link" href="#/coupons">去领券 ›</a></div>'}
        <div class="row"><span>运费${c.shipping_estimated ? '（预估）' : ''}</span><span>${c.shipping ? yuan(c.shipping) : '免运费'}</span></div>
      </section>
      <div class="bottom-bar cartbar">
        <label><input type="checkbox" id="all" ${allOn ? 'checked' : ''}> 全选</label>
        ${editing ? '<span class="grow"></span><button class="btn ghost" id="del-sel">删除选中</button>' : `<span class="grow right">合计 ${price(c.total, 'total')}</span>
        <button class="btn" id="go" ${count ? '' : 'disabled'}>去结算(${count})</button>`}
      </div>`;

    const byId = (el) => el.closest('.cline').dataset.id;
    const patch = (id, body) => shop(`/cart/items/${id}`, { method: 'PATCH', body }).then(render).catch((e) => { toastError(e); render(); });
    view.querySelector('#edit').onclick = () => { editing = !editing; render(); };
    view.querySelector('#share-cart').onclick = (e) => busy(e.target, async () => {
      const [share, ref] = await Promise.all([shop('/cart/share', { method: 'POST' }), shop('/referral/me')]);
      const url = `${location.origin}/?inviter=${encodeURIComponent(ref.invite_code)}&source=cart_share#/cartshare/${encodeURIComponent(share.code)}`;
      await sheet(`<h3>分享购物车</h3><p class="muted small">好友打开链接即可一键加购，${fmtTime(share.expires_at)} 前有效。</p>
        <div class="linkbox"><input readonly value="${esc(url)}"><button class="btn small" id="copy-share">复制链接</button></div>`,
      (el) => { el.querySelector('#copy-share').onclick = () => copy(url); });
    });
    view.querySelectorAll('.sel').forEach((cb) => (cb.onchange = () => shop('/cart/select', { method: 'POST', body: { ids: [byId(cb)], selected: cb.checked } }).then(render, toastError)));
    view.querySelector('#all').onchange = (e) => shop('/cart/select', { method: 'POST', body: { selected: e.target.checked } }).then(render, toastError);
    view.querySelectorAll('[data-d]').forEach((b) => (b.onclick = () => {
      const q = parseInt(b.parentElement.querySelector('.qty').value, 10) + Number(b.dataset.d);
      if (q >= 1) patch(byId(b), { quantity: q });
    }));
    view.querySelectorAll('.qty').forEach((i) => (i.onchange = () => {
      const q = parseInt(i.value, 10);
      if (q >= 1) patch(byId(i), { quantity: q }); else render();
    }));
    view.querySelectorAll('.del').forEach((b) => (b.onclick = () => busy(b, async () => {
      await shop(`/cart/items/${byId(b)}`, { method: 'DELETE' });
      await render();
    })));
    view.querySelector('#del-sel')?.addEventListener('click', async (e) => {
      const ids = c.lines.filter((l) => l.selected).map((l) => l.id);
      if (!ids.length || !(await confirmBox(`删除选中的 ${ids.length} 种商品？`, '删除'))) return;
      await busy(e.target, async () => { for (const id of ids) await shop(`/cart/items/${id}`, { method: 'DELETE' }); editing = false; await render(); });
    });
    view.querySelectorAll('.spec').forEach((b) => (b.onclick = () => busy(b, async () => {
      const skus = await pb.collection('skus').getFullList({ filter: pb.filter('product = {:p}', { p: b.dataset.product }), sort: 'price' });
      await sheet(`<h3>更换规格</h3><div class="chips">${skus.map((s) => `<button class="chip ${s.id === b.dataset.sku ? 'on' : ''}" data-to="${esc(s.id)}" ${s.stock > 0 ? '' : 'disabled'}>${esc(s.spec_text || '默认')} ${yuan(s.price)}</button>`).join('')}</div>`,
        (el, close) => el.querySelectorAll('[data-to]').forEach((x) => (x.onclick = () => { close(); if (x.dataset.to !== b.dataset.sku) patch(byId(b), { sku: x.dataset.to }); })));
    })));
    view.querySelector('#go')?.addEventListener('click', () => go('#/checkout'));
  }
  await render();
}
