// Referral tree browser: find a user, see their uplines, downlines by
// level and figures; move them with their subtree (after a preview of who
// moves); reward them or correct their wallet with a reason.
import { api, h, yuan, when, table, act, toast, fenOf } from '../lib.js';

let current = null;
let level = 1;

export default async function referral(el, ctx) {
  const can = (p) => ctx.me.permissions.includes(p);
  const q = h('input', { placeholder: '手机号 / 昵称 / 邀请码 / 邮箱', name: 'q', style: 'width: 260px' });
  const results = h('div', {});
  const detail = h('div', {});
  const search = async () => {
    const res = await api.get('/api/shop/admin/reports/users', { q: q.value });
    results.replaceChildren(res.items.length
      ? table([
        { title: '用户', cell: u => [h('div', {}, u.nickname || '—'), h('div', { class: 'sub' }, u.phone || u.email || '')] },
        { title: '邀请码', cell: u => u.invite_code },
        { title: '分销员', cell: u => u.is_distributor ? `是 · 等级 ${u.level}` : '否' },
        { title: '', cell: u => h('button', { class: 'small', onclick: () => { current = u.id; level = 1; show(); } }, '查看') },
      ], res.items)
      : h('p', { class: 'muted' }, '没有找到'));
  };

  async function show() {
    const d = await api.get(`/api/shop/admin/reports/referral/${current}`, { level });
    const u = d.user;
    const f = d.figures;
    const name = (x) => `${x.nickname || '—'}${x.phone ? '（' + x.phone + '）' : ''}`;

    const move = h('div', {});
    if (can('referral.move')) {
      const upline = h('input', { placeholder: '新上级的用户 ID（留空则解除）', name: 'upline', style: 'width: 240px' });
      const b = h('button', { class: 'small primary', onclick: async () => {
        if (!confirm(`将 ${name(u)} 及其下级共 ${f.subtree_size + 1} 人移到新上级下，确定？`)) return;
        if (await act(b, () => api.post('/api/shop/admin/referral/reassign', { user: u.id, upline: upline.value.trim() }), '已调整推荐关系')) show();
      } }, '移动');
      move.append(h('h3', {}, '调整上级'),
        h('p', { class: 'muted' }, `移动时 ${name(u)} 的全部下级（共 ${f.subtree_size} 人）一起移动，之后的订单按新的关系计算佣金；已产生的佣金不变。`),
        h('div', { class: 'form-line' }, upline, b));
    }
    const money = h('div', {});
    const moneyForm = (title, perm, send) => {
      if (!can(perm)) return null;
      const amount = h('input', { placeholder: '金额（元）', name: 'amount', style: 'width: 110px' });
      const reason = h('input', { placeholder: '原因（必填，记入流水）', name: 'reason', style: 'width: 220px' });
      const b = h('button', { class: 'small primary', onclick: async () => {
        const fen = fenOf(amount.value.replace(/^-/, ''));
        if (Number.isNaN(fen) || fen === 0) return toast('金额格式不对，例如 12.50', true);
        if (!reason.value.trim()) return toast('请填写原因', true);
        const signed = amount.value.trim().startsWith('-') ? -fen : fen;
        if (await act(b, () => send(signed, reason.value.trim()), `${title}已记账`)) show();
      } }, title);
      return h('div', { class: 'form-line' }, amount, reason, b);
    };
    money.append(h('h3', {}, '奖励与调账'),
      moneyForm('发放奖励', 'rewards.grant', (amount, reason) => api.post('/api/shop/admin/rewards', { user: u.id, amount, reason })) || '',
      moneyForm('钱包调账', 'wallets.adjust', (amount, note) => api.post(`/api/shop/admin/wallets/${u.id}/adjust`, { amount, note })) || '',
      h('p', { class: 'muted' }, '调账可填负数（如 -5.00）扣回；每笔都写入钱包流水，并记录操作人。'));

    detail.replaceChildren(
      h('div', { class: 'grid2' },
        h('div', { class: 'panel' }, h('h3', {}, name(u)),
          h('div', { class: 'kv' },
            h('div', {}, '用户 ID'), h('div', {}, u.id),
            h('div', {}, '邀请码'), h('div', {}, u.invite_code || '—'),
            h('div', {}, '分销员'), h('div', {}, u.is_distributor ? `是 · 等级 ${u.level}` : '否'),
            h('div', {}, '注册'), h('div', {}, when(u.created)),
            h('div', {}, '团队'), h('div', {}, `一级 ${f.team_l1} · 二级 ${f.team_l2} · 三级 ${f.team_l3}`),
            h('div', {}, '业绩'), h('div', {}, `自购 ${yuan(f.own_sales)} · 团队 ${yuan(f.team_sales)}`),
            h('div', {}, '佣金'), h('div', {}, `冻结 ${yuan(f.commission_frozen)} · 已结算 ${yuan(f.commission_settled)}`),
            h('div', {}, '钱包可用'), h('div', {}, yuan(f.wallet_available)))),
        h('div', { class: 'panel' }, h('h3', {}, '上级'),
          d.uplines.length ? d.uplines.map(x => h('div', { class: 'form-line' }, h('span', { class: 'tag info' }, `${x.depth} 级`),
            h('a', { href: '#/referral', onclick: (ev) => { ev.preventDefault(); current = x.id; show(); } }, name(x))))
            : h('p', { class: 'muted' }, '没有上级'),
          move)),
      h('div', { class: 'panel' },
        h('h3', {}, '下级', h('div', { class: 'tabs-inline' }, [1, 2, 3].map(l =>
          h('button', { class: 'small' + (l === level ? ' on' : ''), onclick: () => { level = l; show(); } }, `${l} 级（${f['team_l' + l]}）`)))),
        table([
          { title: '用户', cell: x => h('a', { href: '#/referral', onclick: (ev) => { ev.preventDefault(); current = x.id; show(); } }, name(x)) },
          { title: '分销员', cell: x => x.is_distributor ? `等级 ${x.level}` : '否' },
          { title: '自购业绩', num: true, cell: x => yuan(x.own_sales) },
          { title: '团队业绩', num: true, cell: x => yuan(x.team_sales) },
          { title: '加入', cell: x => when(x.created) },
        ], d.downlines, '这一级没有下级')),
      h('div', { class: 'panel' }, money));
  }

  el.replaceChildren(
    h('div', { class: 'toolbar' }, q, h('button', { class: 'primary', onclick: search }, '查找')),
    results, detail);
  q.addEventListener('keydown', (ev) => { if (ev.key === 'Enter') search(); });
  if (current) show();
}
