// 佣金明细: every commission with its order, level and how the figure was
// reached (base × rate), and when frozen money becomes withdrawable.
import { pb, info } from '../api.js';
import { esc, price, yuan, rate, levelName, commissionStatus, fmtTime, empty } from '../ui.js';
import { setTitle } from '../app.js';

const tabs = [['', '全部'], ['frozen', '冻结中'], ['settled', '已结算'], ['cancelled', '已取消']];
const whose = { 1: '直接邀请的好友下单', 2: '好友的好友下单', 3: '三级成员下单' };
const sources = { sku: '规格专属比例', product: '商品专属比例', level: '分销等级比例', settings: '商城默认比例' };

export default async function (view, { query }) {
  setTitle('佣金明细');
  const tab = query.get('status') || '';
  const i = await info();
  const days = i.distribution?.frozen_days ?? 7;
  async function render() {
    const list = await pb.collection('commissions').getList(1, 50, { sort: '-created', filter: tab ? pb.filter('status = {:s}', { s: tab }) : '' });
    // order numbers: the orders are the buyers', a view gives the upline their numbers
    const nos = {};
    if (list.items.length) {
      const rows = await pb.collection('commission_orders').getFullList({
        filter: list.items.map((c) => pb.filter('id = {:id}', { id: c.id })).join(' || '), fields: 'id,order_no' }).catch(() => []);
      for (const r of rows) nos[r.id] = r.order_no;
    }
    view.innerHTML = `<div class="tabs sticky">${tabs.map(([v, l]) => `<a class="${v === tab ? 'on' : ''}" href="#/dist/commissions?status=${v}">${l}</a>`).join('')}</div>
      ${list.items.length ? list.items.map((c) => `
      <section class="card commission" data-commission="${esc(c.id)}">
        <div class="row"><b>${levelName[c.level]}佣金 <small class="muted">${whose[c.level] || ''}</small></b>${price(c.amount)}</div>
        <div class="explain">${explain(c)}</div>
        <div class="row small"><span class="tag ${c.status === 'frozen' ? 'blue' : c.status === 'settled' ? '' : 'gray'}">${commissionStatus[c.status]}</span>
          <span class="muted">${c.status === 'frozen' ? `订单完成 ${days} 天后结算` : c.status === 'settled' ? `结算于 ${fmtTime(c.settled_at)}` : ''}</span></div>
        <div class="muted small">订单 ${esc(nos[c.id] || '—')} · 数量 ${c.quantity} 件 · ${fmtTime(c.created)}</div>
      </section>`).join('') : empty('暂无佣金记录')}`;
  }
  function explain(c) {
    const how = c.rule_kind === 'fixed' ? `${yuan(c.rule_value)} / 件 × ${c.quantity} 件` : `${yuan(c.base)} × ${rate(c.rule_value)}`;
    let s = c.formula ? `计算（${sources[c.source] || '佣金比例'}）：${c.formula}` : `计算：商品实付 ${yuan(c.base)}，${sources[c.source] || ''} ${c.rule_kind === 'fixed' ? '每件固定' : rate(c.rule_value)}，${how} = ${yuan(c.uncapped || c.amount)}`;
    if (c.capped && !c.formula) s += `；超出订单佣金上限，按上限计 ${yuan(c.amount)}`;
    if (c.cancelled_amount) s += `；因退款已扣回 ${yuan(c.cancelled_amount)}`;
    return esc(s);
  }
  await render();
  const onNew = () => render().catch(() => {});
  window.addEventListener('fx:commission', onNew);
  return () => window.removeEventListener('fx:commission', onNew);
}
