// 我的订单: tabs 全部/待付款/待发货/待收货/已完成/售后 with per-state actions.
import { pb } from '../api.js';
import { esc, price, img, empty, orderStatus, aftersaleStatus, aftersaleType, fmtTime, yuan } from '../ui.js';
import { itemsOf } from '../orderitems.js';
import { setTitle } from '../app.js';

const tabs = [['', '全部'], ['pending_payment', '待付款'], ['paid', '待发货'], ['shipped', '待收货'], ['completed', '已完成'], ['aftersale', '售后']];

export default async function (view, { query }) {
  setTitle('我的订单');
  const tab = query.get('tab') || '';
  const head = `<div class="tabs sticky">${tabs.map(([v, l]) => `<a class="${v === tab ? 'on' : ''}" href="#/orders?tab=${v}">${l}</a>`).join('')}</div>`;
  if (tab === 'aftersale') {
    const list = await pb.collection('aftersales').getList(1, 50, { sort: '-created' });
    view.innerHTML = head + (list.items.length ? list.items.map((a) => `
      <a class="card ocard" href="#/as/${esc(a.id)}"><div class="row"><span>${aftersaleType[a.type] || a.type}</span><b class="red">${aftersaleStatus[a.status] || a.status}</b></div>
      <div class="muted small">申请金额 ${yuan(a.amount_requested)} · ${fmtTime(a.created)}</div>${a.reason ? `<div class="small">${esc(a.reason)}</div>` : ''}</a>`).join('') : empty('没有售后记录'));
    return;
  }
  const list = await pb.collection('orders').getList(1, 30, { sort: '-created', filter: tab ? pb.filter('status = {:s}', { s: tab }) : '' });
  const items = await itemsOf(list.items.map((o) => o.id));
  view.innerHTML = head + (list.items.length ? list.items.map((o) => {
    const lines = items[o.id] || [];
    return `<a class="card ocard" href="#/o/${esc(o.id)}">
      <div class="row"><span class="muted small">订单号 ${esc(o.order_no)}</span><b class="status s-${o.status}">${orderStatus[o.status] || o.status}</b></div>
      ${lines.map((l) => `<div class="oline">${img(l.image, l.title, 'limg')}<div class="grow"><div class="ltitle">${esc(l.title)}</div><div class="muted small">${esc(l.spec_text)}${l.is_gift ? ' · 赠品' : ''}</div></div><div class="right small">${yuan(l.unit_price)}<div class="muted">× ${l.quantity}</div></div></div>`).join('')}
      <div class="row right-row"><span class="muted small">共 ${o.quantity} 件 实付</span>${price(o.payable)}</div>
      ${o.status === 'pending_payment' ? '<div class="actions"><span class="btn small">去支付</span></div>' : o.status === 'shipped' ? '<div class="actions"><span class="btn small">确认收货</span></div>' : ''}
    </a>`;
  }).join('') : empty(tab ? `没有${tabs.find((t) => t[0] === tab)?.[1] || ''}的订单` : '还没有订单', '<a class="btn" href="#/">去逛逛</a>'));
}
