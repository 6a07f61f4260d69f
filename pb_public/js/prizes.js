// 排行榜奖励 in the distributor centre: the prizes of this week and month
// (who wins what) and the prizes I won, from GET /distribution/prizes.
import { shop } from './api.js';
import { esc, yuan, img } from './ui.js';

const boardName = { commission: '佣金榜', sales: '销售榜', invites: '邀请榜' };
const periodName = { week: '本周', month: '本月' };
const pastPeriod = { week: '周', month: '月' };

// periods are the shop's (Asia/Shanghai) weeks and months, whatever the phone's time zone
const inShanghai = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai', year: 'numeric', month: 'numeric', day: 'numeric' });
function parts(d) {
  const p = Object.fromEntries(inShanghai.formatToParts(d).map((x) => [x.type, x.value]));
  return { y: +p.year, m: +p.month, d: +p.day };
}
const shopDay = { format: (d) => { const p = parts(d); return `${p.m}月${p.d}日`; } };
const shopMonth = { format: (d) => { const p = parts(d); return `${p.y}年${p.m}月`; } };
const date = (s) => new Date(String(s).replace(' ', 'T'));

// lastDay is the last day of a period ending at end (exclusive), as 12月6日
function lastDay(end) {
  return shopDay.format(new Date(date(end).getTime() - 1));
}

function ranks(r) {
  return r.rank_from === r.rank_to ? `第 ${r.rank_from} 名` : `第 ${r.rank_from}–${r.rank_to} 名`;
}

// what a rule or an award gives, in words
function reward(r) {
  if (r.kind === 'wallet') return `奖金 <b class="red">${yuan(r.amount)}</b>`;
  if (r.kind === 'level') return `晋升 <b>${esc(r.level_name || `等级 ${r.level_rank || r.level_to}`)}</b>`;
  const g = r.gift;
  return g ? `礼品 <b>${esc(g.title)}</b>${r.gift_quantity > 1 ? ` ×${r.gift_quantity}` : ''}` : '礼品';
}

function ruleRow(r) {
  const pic = r.kind === 'gift' ? img(r.gift?.image, r.gift?.title, 'prize-pic')
    : `<div class="prize-pic prize-${r.kind}">${r.kind === 'wallet' ? '¥' : '↑'}</div>`;
  const min = r.min_value > 0 ? ` · 至少${r.by === 'invites' ? `${r.min_value} 人` : yuan(r.min_value)}` : '';
  return `<div class="member prize-rule">${pic}<div class="grow"><b>${esc(r.name)}</b>
    <div class="muted small">${boardName[r.by] || ''} ${ranks(r)}${min}</div></div><div class="small right">${reward(r)}</div></div>`;
}

// periodLabel names an award's period: 11月23日–11月29日 for a week, 2026年11月 for a month
function periodLabel(a) {
  const start = date(a.start);
  if (isNaN(start)) return '';
  return a.period === 'month' ? shopMonth.format(start) : `${shopDay.format(start)}–${lastDay(a.end)}`;
}

function awardRow(a) {
  const state = a.status === 'granted'
    ? (a.kind === 'gift' && a.order ? `<a class="link small" href="#/o/${esc(a.order)}">查看礼品订单</a>` : '<span class="tag">已发放</span>')
    : '<span class="tag gray">待领取</span>';
  return `<div class="crow"><span class="medal m${a.rank}">${a.rank}</span><div class="grow"><b>${esc(a.name)}</b>
    <div class="muted small">${periodLabel(a)} · ${boardName[a.by] || ''}第 ${a.rank} 名</div>
    ${a.status === 'granted' ? '' : `<div class="small red">${esc(a.note)}，请补充收货地址或联系客服</div>`}</div>
    <div class="right small nowrap">${reward(a)}<div>${state}</div></div></div>`;
}

// render fills el with the prize section; nothing when the shop has no prizes.
export async function renderPrizes(el) {
  const p = await shop('/distribution/prizes');
  if (!p.rules.length && !p.mine.length) { el.innerHTML = ''; return; }
  const groups = ['week', 'month'].map((period) => [period, p.rules.filter((r) => r.period === period)]).filter(([, list]) => list.length);
  el.innerHTML = `<section class="card prizes" id="prize-table"><div class="row"><h3>排行榜奖励</h3><a class="link" href="#/dist/rank">看排名 ›</a></div>
      ${groups.map(([period, list]) => `<p class="muted small">${periodName[period]}（截至 ${lastDay(p.periods[period].end)}，结束后次日 00:10 发放）</p>${list.map(ruleRow).join('')}`).join('')}
      ${groups.length ? '' : '<p class="muted small">暂无进行中的奖励</p>'}
    </section>
    <section class="card" id="my-prizes"><h3>我的奖励</h3>
      ${p.mine.length ? p.mine.map(awardRow).join('') : '<p class="muted small">还没有获奖，冲上排行榜赢奖金和礼品吧</p>'}</section>`;
}
