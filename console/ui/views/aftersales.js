// After-sales to review and process: approve (with an amount), reject,
// receive the returned parcel, reship an exchange, retry a refund.
import { api, h, yuan, when, table, act, tag, aftersaleStatus, aftersaleType, fenOf, toast, companies, companyName } from '../lib.js';

export default async function aftersales(el, ctx) {
  const data = await api.get('/api/shop/admin/reports/queue/aftersales', { perPage: 200 });
  const reload = async () => { await aftersales(el, ctx); ctx.refreshBadges(); };
  const post = (r, action, body) => api.post(`/api/shop/admin/aftersales/${r.id}/${action}`, body);

  function actions(r) {
    const note = h('input', { placeholder: '备注 / 理由', name: 'note' });
    const out = [];
    if (r.status === 'applied') {
      const amount = h('input', { placeholder: '同意金额(元)', title: '留空按申请金额退款', name: 'amount', style: 'width: 110px' });
      const ok = h('button', { class: 'small primary', onclick: async () => {
        const fen = amount.value.trim() ? fenOf(amount.value) : 0;
        if (Number.isNaN(fen)) return toast('金额格式不对，例如 12.50', true);
        if (await act(ok, () => post(r, 'approve', { amount: fen, note: note.value }), '已同意')) reload();
      } }, '同意');
      const no = h('button', { class: 'small', onclick: async () => {
        if (!note.value.trim()) return toast('请填写拒绝理由', true);
        if (await act(no, () => post(r, 'reject', { note: note.value }), '已拒绝')) reload();
      } }, '拒绝');
      if (r.type !== 'exchange') out.push(amount);
      out.push(note, ok, no);
    } else if (r.status === 'returning') {
      const b = h('button', { class: 'small primary', onclick: async () => {
        if (await act(b, () => post(r, 'receive', { note: note.value }), '已确认收货')) reload();
      } }, '确认收到退货');
      out.push(note, b);
    } else if (r.status === 'received' && r.type === 'exchange') {
      const c = h('select', { name: 'reship_company' }, companies.map(([code, n]) => h('option', { value: code }, n)));
      const n = h('input', { placeholder: '补发运单号', name: 'reship_no' });
      const b = h('button', { class: 'small primary', onclick: async () => {
        if (await act(b, () => post(r, 'reship', { reship_company: c.value, reship_no: n.value }), '已补发')) reload();
      } }, '补发');
      out.push(c, n, b);
    } else {
      const b = h('button', { class: 'small', onclick: async () => {
        if (await act(b, () => post(r, 'refund'), '已重新发起退款')) reload();
      } }, '重试退款');
      out.push(h('span', { class: 'muted' }, r.status === 'approved' ? '等待买家寄回或退款处理中' : '退款处理中'), b);
    }
    return h('div', { class: 'row-actions' }, out);
  }

  el.replaceChildren(
    h('div', { class: 'toolbar' }, h('span', {}, `共 ${data.total} 个售后进行中`)),
    table([
      { title: '售后', cell: r => [h('div', {}, aftersaleType[r.type] || r.type, ' ', tag(aftersaleStatus, r.status)), h('div', { class: 'sub' }, when(r.created))] },
      { title: '订单 / 买家', cell: r => [h('div', {}, r.order_no), h('div', { class: 'sub' }, `${r.buyer_name || ''} ${r.buyer_phone || ''}`)] },
      { title: '原因', cell: r => [h('div', {}, r.reason || '—'), r.return_no ? h('div', { class: 'sub' }, `退货运单 ${companyName(r.return_company)} ${r.return_no}`) : null] },
      { title: '申请 / 同意', num: true, cell: r => [h('div', {}, yuan(r.amount_requested)), h('div', { class: 'sub' }, r.amount_approved ? yuan(r.amount_approved) : '')] },
      { title: '处理', cell: actions },
    ], data.items, '没有进行中的售后'));
}
