// Exports as Excel or CSV, filtered by date and status; large exports are
// streamed by the server, so they take time but never fail for size.
import { h, toast, download, errorText } from '../lib.js';

const kinds = [
  ['orders', '订单（发货单）', 'export.orders', ['', 'pending_payment', 'paid', 'shipped', 'completed', 'cancelled', 'refunded']],
  ['order_items', '订单明细', 'export.orders', ['', 'paid', 'shipped', 'completed', 'refunded']],
  ['commissions', '佣金', 'export.finance', ['', 'frozen', 'settled', 'cancelled']],
  ['withdrawals', '提现（含银行卡信息）', 'export.finance', ['', 'pending', 'approved', 'paid', 'rejected', 'failed']],
  ['users', '用户', 'export.users', []],
];
const statusNames = {
  '': '全部状态', pending_payment: '待付款', paid: '已支付/待发货', shipped: '已发货', completed: '已完成', cancelled: '已取消',
  refunded: '已退款', frozen: '冻结中', settled: '已结算', pending: '待审核', approved: '已通过待打款', rejected: '已拒绝', failed: '失败',
};

export default async function exports(el, ctx) {
  const rows = kinds.filter(k => ctx.me.permissions.includes(k[2])).map(([kind, title, , statuses]) => {
    const from = h('input', { type: 'date', name: 'from' });
    const to = h('input', { type: 'date', name: 'to' });
    const status = statuses.length ? h('select', { name: 'status' }, statuses.map(s => h('option', { value: s }, statusNames[s]))) : h('span');
    const go = (ext) => async (ev) => {
      const b = ev.currentTarget;
      b.disabled = true;
      const old = b.textContent;
      b.textContent = '导出中…';
      try {
        await download(`/api/shop/admin/export/${kind}.${ext}`, { from: from.value, to: to.value, status: status.value }, `${title}.${ext}`);
        toast(`${title} 已导出`);
      } catch (err) {
        toast(errorText(err), true);
      } finally {
        b.disabled = false;
        b.textContent = old;
      }
    };
    return h('div', { class: 'panel', 'data-kind': kind }, h('h3', {}, title),
      h('div', { class: 'form-line' }, '从', from, '到', to, status,
        h('button', { class: 'primary', onclick: go('xlsx') }, '导出 Excel'),
        h('button', { onclick: go('csv') }, '导出 CSV')));
  });
  el.replaceChildren(h('p', { class: 'muted', style: 'margin: 0 0 10px' }, '日期按北京时间的下单/申请日期筛选，留空为全部。金额单位为元。'), ...rows);
}
