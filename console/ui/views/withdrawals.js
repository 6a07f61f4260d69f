// Withdrawals: approve or reject requests, mark bank payouts paid after
// transferring by hand (export the payout list first), retry failed
// WeChat transfers.
import { api, h, yuan, when, table, act, tag, withdrawalStatus, toast, download, errorText } from '../lib.js';

export default async function withdrawals(el, ctx) {
  const can = (p) => ctx.me.permissions.includes(p);
  const data = await api.get('/api/shop/admin/reports/queue/withdrawals', { perPage: 200 });
  const reload = async () => { await withdrawals(el, ctx); ctx.refreshBadges(); };
  const post = (r, action, body) => api.post(`/api/shop/admin/withdrawals/${r.id}/${action}`, body);

  function actions(r) {
    const out = [];
    if (r.status === 'pending' && can('withdrawals.review')) {
      const reason = h('input', { placeholder: '拒绝理由', name: 'reason' });
      const ok = h('button', { class: 'small primary', onclick: async () => {
        if (await act(ok, () => post(r, 'approve'), '已通过')) reload();
      } }, '通过');
      const no = h('button', { class: 'small', onclick: async () => {
        if (!reason.value.trim()) return toast('请填写拒绝理由', true);
        if (await act(no, () => post(r, 'reject', { reason: reason.value }), '已拒绝，金额退回钱包')) reload();
      } }, '拒绝');
      out.push(ok, reason, no);
    }
    if (r.status === 'approved' && r.channel === 'bank' && can('withdrawals.pay')) {
      const paid = h('button', { class: 'small primary', onclick: async () => {
        if (await act(paid, () => post(r, 'paid'), '已标记打款')) reload();
      } }, '标记已打款');
      out.push(paid);
    }
    if (r.status === 'failed' && can('withdrawals.pay')) {
      const retry = h('button', { class: 'small', onclick: async () => {
        if (await act(retry, () => post(r, 'transfer'), '已重新转账')) reload();
      } }, '重试转账');
      out.push(retry);
    }
    if (!out.length) out.push(h('span', { class: 'muted' }, r.status === 'pending' ? '等待审核' : '处理中'));
    return h('div', { class: 'row-actions' }, out);
  }

  const account = (r) => {
    const a = r.account || {};
    if (r.channel === 'bank') return [h('div', {}, '银行卡 ', a.bank || ''), h('div', { class: 'sub' }, `${a.name || ''} ${a.number || ''}`)];
    return [h('div', {}, '微信零钱'), h('div', { class: 'sub' }, a.real_name || '')];
  };

  const exportBtn = h('button', { hidden: !can('export.finance'), onclick: async () => {
    exportBtn.disabled = true;
    try {
      await download('/api/shop/admin/export/withdrawals.xlsx', { status: 'approved' }, '提现打款单.xlsx');
      toast('已导出待打款的提现');
    } catch (err) { toast(errorText(err), true); } finally { exportBtn.disabled = false; }
  } }, '导出待打款 Excel');

  el.replaceChildren(
    h('div', { class: 'toolbar' }, h('span', {}, `共 ${data.total} 笔提现待处理`), h('span', { class: 'grow' }), exportBtn),
    table([
      { title: '申请', cell: r => [h('div', {}, tag(withdrawalStatus, r.status)), h('div', { class: 'sub' }, when(r.created))] },
      { title: '用户', cell: r => [h('div', {}, r.user_name || '—'), h('div', { class: 'sub' }, r.user_phone || '')] },
      { title: '收款账户', cell: account },
      { title: '金额 / 手续费', num: true, cell: r => [h('div', {}, yuan(r.amount)), h('div', { class: 'sub' }, '手续费 ' + yuan(r.fee))] },
      { title: '应打款', num: true, cell: r => h('strong', {}, yuan(r.payout)) },
      { title: '处理', cell: actions },
    ], data.items, '没有待处理的提现'));
}
