// 排行榜: week or month, by commission, sales or invites, with my place.
import { shop, me } from '../api.js';
import { esc, yuan, empty } from '../ui.js';
import { setTitle } from '../app.js';

const bys = [['commission', '佣金榜'], ['sales', '销售榜'], ['invites', '邀请榜']];

export default async function (view, { query }) {
  setTitle('排行榜');
  const period = query.get('period') || 'week';
  const by = query.get('by') || 'commission';
  const b = await shop('/distribution/leaderboard', { query: { period, by } });
  const mine = b.ranks.find((r) => r.user === me().id);
  const val = (v) => (by === 'invites' ? `${v} 人` : yuan(v));
  view.innerHTML = `
    <div class="tabs">${bys.map(([v, l]) => `<a class="${v === by ? 'on' : ''}" href="#/dist/rank?period=${period}&by=${v}">${l}</a>`).join('')}</div>
    <div class="chips pad"><a class="chip ${period === 'week' ? 'on' : ''}" href="#/dist/rank?period=week&by=${by}">本周</a><a class="chip ${period === 'month' ? 'on' : ''}" href="#/dist/rank?period=month&by=${by}">本月</a></div>
    <section class="card my-rank">${mine ? `我的排名 <b>第 ${mine.rank} 名</b> · ${val(mine.value)}` : '你暂未上榜，继续加油'}</section>
    ${b.ranks.length ? `<section class="card">${b.ranks.map((r) => `<div class="member"><span class="medal m${r.rank}">${r.rank}</span><b class="grow">${esc(r.nickname || '匿名')}</b><span>${val(r.value)}</span></div>`).join('')}</section>` : empty('本期还没有人上榜')}`;
}
