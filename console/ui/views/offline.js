// Bank transfers to confirm: the merchant saw the money arrive and enters
// the bank reference; the order is paid like any other.
import { api, h, yuan, when, table, act, toast } from '../lib.js';

export default async function offline(el, ctx) {
  const data = await api.get('/api/shop/admin/reports/queue/offline', { perPage: 200 });
  el.replaceChildren(
    h('div', { class: 'toolbar' }, h('span', {}, `共 ${data.total} 笔银行转账待确认`)),
    h('p', { class: 'muted', style: 'margin: 0 0 10px' }, '核对银行流水：金额一致、附言为订单号后，填写银行流水号确认收款。同一流水号不能确认两个订单。'),
    table([
      { title: '订单', cell: r => [h('div', {}, r.order_no), h('div', { class: 'sub' }, '下单于 ' + when(r.created))] },
      { title: '买家', cell: r => `${r.buyer_name || ''} ${r.buyer_phone || ''}` },
      { title: '应收', num: true, cell: r => yuan(r.payable) },
      { title: '确认收款', cell: r => {
        const ref = h('input', { placeholder: '银行流水号', name: 'reference', style: 'width: 180px' });
        const b = h('button', { class: 'small primary', onclick: async () => {
          if (!ref.value.trim()) return toast('请填写银行流水号', true);
          if (await act(b, () => api.post(`/api/shop/admin/orders/${r.id}/confirm-offline`, { reference: ref.value.trim() }), `${r.order_no} 已确认收款`)) {
            await offline(el, ctx); ctx.refreshBadges();
          }
        } }, '确认到账');
        return h('div', { class: 'row-actions' }, ref, b);
      } },
    ], data.items, '没有待确认的银行转账'));
}
