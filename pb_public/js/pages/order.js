// 订单详情: live status (realtime), address, lines with 申请售后, price
// lines, promotions, tracking, and 去支付 / 取消 / 确认收货.
import { shop, pb } from '../api.js';
import { esc, price, yuan, img, orderStatus, payMethodName, carrierName, fmtTime, busy, confirmBox, toast, copy, aftersaleStatus } from '../ui.js';
import { itemsOf } from '../orderitems.js';
import { setTitle, go } from '../app.js';

const hints = {
  pending_payment: (o) => `请在 ${fmtTime(o.expires_at)} 前完成支付，超时订单自动取消`,
  paid: () => '商家正在备货，发货后可查看物流',
  shipped: () => '包裹已发出，收到后请确认收货',
  completed: () => '交易已完成，感谢您的购买',
  cancelled: (o) => '订单已取消' + (o.cancel_reason ? `：${o.cancel_reason}` : ''),
  refunded: () => '订单已全额退款',
};

export default async function (view, { id, query }, { isCurrent } = { isCurrent: () => true }) {
  setTitle('订单详情');
  let shown = ''; // the order's "updated" on the page
  async function render() {
    const [o, byOrder, afters] = await Promise.all([
      pb.collection('orders').getOne(id),
      itemsOf([id]),
      pb.collection('aftersales').getFullList({ filter: pb.filter('order = {:id}', { id }), sort: '-created' }),
    ]);
    const lines = byOrder[id] || [];
    const addr = o.address || {};
    const canAftersale = ['paid', 'shipped', 'completed'].includes(o.status);
    const openFor = (itemId) => afters.find((a) => !['rejected', 'closed', 'refunded', 'reshipped'].includes(a.status) && (a.items || []).some((x) => x.order_item === itemId));
    // an update that lands after the buyer left must not paint over the next page
    if (!isCurrent()) return;
    shown = o.updated;
    view.innerHTML = `
      <section class="status-banner s-${o.status}"><b id="status">${orderStatus[o.status] || o.status}</b><p>${esc(hints[o.status]?.(o) || '')}</p>
        ${o.sandbox ? '<span class="tag light">沙箱订单</span>' : ''}</section>
      <section class="card"><b>${esc(addr.name)}</b> ${esc(addr.phone)}<div class="muted">${esc(addr.province)}${esc(addr.city)}${esc(addr.district)}${esc(addr.detail)}</div></section>
      ${o.tracking_no ? `<section class="card" id="tracking"><div class="row"><span>${esc(carrierName[o.tracking_company] || o.tracking_company)} ${esc(o.tracking_no)}</span><button class="link" id="track">查看物流</button></div><div id="track-list"></div></section>` : ''}
      <section class="card lines">${lines.map((l) => {
        const open = openFor(l.id);
        return `<div class="oline">${img(l.image, l.title, 'limg')}<div class="grow"><a class="ltitle" href="#/p/${esc(l.product)}">${esc(l.title)}</a>
          <div class="muted small">${esc(l.spec_text)}${l.is_gift ? ' · 赠品' : ''}</div>
          ${l.refunded_amount ? `<div class="small red">已退款 ${yuan(l.refunded_amount)}</div>` : ''}</div>
          <div class="right small">${yuan(l.unit_price)}<div class="muted">× ${l.quantity}</div>
          ${open ? `<a class="link" href="#/as/${esc(open.id)}">${aftersaleStatus[open.status]}</a>` : canAftersale && !l.is_gift && l.refunded_amount < l.paid_amount ? `<a class="btn tiny ghost" href="#/as/new?order=${esc(o.id)}&item=${esc(l.id)}">申请售后</a>` : ''}</div></div>`;
      }).join('')}</section>
      <section class="card sums">
        <div class="row"><span>商品金额</span><span>${yuan(o.goods_amount)}</span></div>
        ${(o.promotions || []).map((p) => `<div class="row"><span><span class="tag">${esc(p.label || p.name || '优惠')}</span> <small class="muted">${esc(p.explanation || '')}</small></span><span class="red">-${yuan(p.amount)}</span></div>`).join('')}
        ${o.discount_amount && !(o.promotions || []).length ? `<div class="row"><span>优惠</span><span class="red">-${yuan(o.discount_amount)}</span></div>` : ''}
        <div class="row"><span>运费</span><span>${o.shipping_fee ? yuan(o.shipping_fee) : '免运费'}</span></div>
        <div class="row"><b>实付款</b>${price(o.payable)}</div>
        ${o.refunded_amount ? `<div class="row"><span>已退款</span><span class="red">${yuan(o.refunded_amount)}</span></div>` : ''}
      </section>
      <section class="card small kv">
        <div class="row"><span class="muted">订单编号</span><span>${esc(o.order_no)} <button class="link" id="copy-no">复制</button></span></div>
        <div class="row"><span class="muted">下单时间</span><span>${fmtTime(o.created)}</span></div>
        ${o.paid_at ? `<div class="row"><span class="muted">支付时间</span><span>${fmtTime(o.paid_at)}</span></div>` : ''}
        ${o.pay_method ? `<div class="row"><span class="muted">支付方式</span><span>${payMethodName[o.pay_method] || esc(o.pay_method)}</span></div>` : ''}
        ${o.shipped_at ? `<div class="row"><span class="muted">发货时间</span><span>${fmtTime(o.shipped_at)}</span></div>` : ''}
        ${o.buyer_note ? `<div class="row"><span class="muted">备注</span><span>${esc(o.buyer_note)}</span></div>` : ''}
      </section>
      <div class="bottom-bar">
        <a class="btn ghost" href="#/orders">全部订单</a><span class="grow"></span>
        ${o.status === 'pending_payment' ? '<button class="btn ghost" id="cancel">取消订单</button><a class="btn" href="#/pay/' + esc(o.id) + '">去支付</a>' : ''}
        ${o.status === 'shipped' ? '<button class="btn" id="confirm">确认收货</button>' : ''}
      </div>`;
    view.querySelector('#copy-no').onclick = () => copy(o.order_no);
    view.querySelector('#cancel')?.addEventListener('click', async (e) => {
      if (!(await confirmBox('确定取消这个订单吗？库存和优惠会退回。', '取消订单'))) return;
      await busy(e.target, async () => { await shop(`/orders/${id}/cancel`, { method: 'POST', body: { reason: '买家取消' } }); toast('订单已取消'); await render(); });
    });
    view.querySelector('#confirm')?.addEventListener('click', async (e) => {
      if (!(await confirmBox('确认已收到商品？确认后订单完成。', '确认收货'))) return;
      await busy(e.target, async () => { await shop(`/orders/${id}/confirm`, { method: 'POST' }); toast('已确认收货'); await render(); });
    });
    view.querySelector('#track')?.addEventListener('click', (e) => busy(e.target, async () => {
      const t = await shop(`/orders/${id}/tracking`);
      const evs = t.events || t.data || [];
      view.querySelector('#track-list').innerHTML = evs.length ? `<ol class="timeline">${evs.map((x) => `<li><div>${esc(x.context || x.text || '')}</div><small class="muted">${esc(x.time || x.ftime || '')}</small></li>`).join('')}</ol>` : '<p class="muted small">暂无物流信息</p>';
    }));
  }
  await render();
  if (query.get('paid')) toast('支付成功，商家将尽快发货');
  const off = await pb.collection('orders').subscribe(id, () => render().catch(() => {})).catch(() => null);
  // a change made while the subscription was being set up sent this page no
  // event: look once more now that it is live, and paint only if it changed
  if (off) {
    const now = await pb.collection('orders').getOne(id, { fields: 'updated' }).catch(() => null);
    if (now && now.updated !== shown) await render().catch(() => {});
  }
  return () => off?.();
}
