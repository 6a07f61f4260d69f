// 我的团队: three levels with counts, each member's paid orders and what
// their purchases earned me.
import { shop } from '../api.js';
import { esc, price, fmtTime, empty, levelName } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view, { query }) {
  setTitle('我的团队');
  const level = Number(query.get('level') || 1);
  const [s, t] = await Promise.all([shop('/distribution/summary'), shop('/distribution/team', { query: { level, perPage: 50 } })]);
  const counts = { 1: s.team.l1, 2: s.team.l2, 3: s.team.l3 };
  view.innerHTML = `<div class="tabs sticky">${[1, 2, 3].map((l) => `<a class="${l === level ? 'on' : ''}" href="#/dist/team?level=${l}">${levelName[l]}(${counts[l]})</a>`).join('')}</div>
    <p class="muted small pad">${level === 1 ? '你直接邀请的好友' : level === 2 ? '一级成员邀请的好友' : '二级成员邀请的好友'}，贡献为其订单带给你的佣金（已扣除退款）</p>
    ${t.items.length ? `<section class="card">${t.items.map((m) => `
      <div class="member"><div class="avatar sm">${esc((m.nickname || '友').slice(0, 1))}</div><div class="grow"><b>${esc(m.nickname || '未设置昵称')}</b>
        <div class="muted small">加入 ${fmtTime(m.bound_at)} · ${m.paid_orders} 单</div></div><div class="right small">贡献<br>${price(m.contribution)}</div></div>`).join('')}</section>`
    : empty(`还没有${levelName[level]}成员，去邀请好友吧`, '<a class="btn" href="#/dist/invite">邀请好友</a>')}`;
}
