// 分销中心: earnings (available, frozen, settled, withdrawn, debt), today
// and this month, team per level, the entries, and the latest commissions
// updated live.
import { shop, pb, me, info } from '../api.js';
import { esc, yuan, price, levelName, commissionStatus, fmtTime, busy, toast, empty } from '../ui.js';
import { setTitle } from '../app.js';
import { renderPrizes } from '../prizes.js';

export default async function (view) {
  setTitle('分销中心');
  const u = await pb.collection('users').authRefresh().then((r) => r.record).catch(() => me());
  if (!u.is_distributor) return applyPage(view);
  async function render() {
    const [s, w, recent] = await Promise.all([
      shop('/distribution/summary'), shop('/wallet'),
      pb.collection('commissions').getList(1, 5, { sort: '-created' }),
    ]);
    view.innerHTML = `
      <section class="dist-card">
        <div class="row"><span>可提现（元）</span><a class="btn small light" href="#/dist/withdraw">提现</a></div>
        <div class="big-num" id="available">${yuan(w.available, '')}</div>
        ${w.debt ? `<p class="small">待抵扣欠款 ${yuan(w.debt)}（后续佣金自动抵扣）</p>` : ''}
        <div class="dist-figs">
          <div><b id="frozen">${yuan(w.frozen, '')}</b><small>冻结中</small></div>
          <div><b>${yuan(s.total.settled, '')}</b><small>累计结算</small></div>
          <div><b>${yuan(w.total_withdrawn, '')}</b><small>累计提现</small></div>
        </div>
      </section>
      <section class="card figs3">
        <div><b id="today">${yuan(s.today.frozen + s.today.settled)}</b><small>今日佣金</small></div>
        <div><b>${yuan(s.month.frozen + s.month.settled)}</b><small>本月佣金</small></div>
        <div><b>${s.team.total}</b><small>团队人数</small></div>
      </section>
      <section class="card grid-menu">
        <a href="#/dist/commissions"><i>¥</i>佣金明细</a>
        <a href="#/dist/team"><i>☷</i>我的团队</a>
        <a href="#/dist/invite"><i>▦</i>邀请海报</a>
        <a href="#/dist/rank"><i>♛</i>排行榜</a>
        <a href="#/dist/stats"><i>↗</i>推广统计</a>
        <a href="#/dist/materials"><i>❏</i>推广素材</a>
        <a href="#/dist/withdraw"><i>⇥</i>提现记录</a>
        <a href="#/search"><i>⌕</i>推广商品</a>
      </section>
      <section class="card"><div class="row"><h3>最新佣金</h3><a class="link" href="#/dist/commissions">全部 ›</a></div>
        <div id="recent">${recent.items.length ? recent.items.map(row).join('') : '<p class="muted small">还没有佣金，分享商品给好友开始赚钱吧</p>'}</div></section>
      <div id="prizes"></div>
      <p class="muted small pad">团队：一级 ${s.team.l1} 人 · 二级 ${s.team.l2} 人 · 三级 ${s.team.l3} 人${s.level ? ` · 等级 ${s.level}` : ''}</p>`;
    // the prizes arrive on their own, without holding up the figures
    renderPrizes(view.querySelector('#prizes')).catch(() => {});
  }
  await render();
  // the toast comes from the shell; the figures refresh here
  const onNew = () => render().catch(() => {});
  window.addEventListener('fx:commission', onNew);
  return () => window.removeEventListener('fx:commission', onNew);
}

export function row(c) {
  return `<div class="crow" data-commission="${esc(c.id)}"><div class="grow"><b>${levelName[c.level] || ''}佣金</b> <span class="tag ${c.status === 'frozen' ? 'blue' : c.status === 'settled' ? '' : 'gray'}">${commissionStatus[c.status] || c.status}</span>
    <div class="muted small">${fmtTime(c.created)}</div></div>${price(c.amount)}</div>`;
}

async function applyPage(view) {
  const i = await info();
  const cond = i.distribution?.condition || 'everyone';
  const text = { first_paid: '完成首笔订单后自动成为分销员', spend: '累计消费达到商家设定金额后自动成为分销员', apply: '提交申请，商家审核通过后成为分销员', everyone: '注册即可成为分销员' }[cond];
  view.innerHTML = `<section class="card center"><h2>成为分销员</h2><p>${text}</p><p class="muted small">分销员分享商品，好友下单后可获得三级佣金。</p></section>
    ${cond === 'apply' ? `<form class="card stack" id="f"><label>真实姓名<input name="real_name" maxlength="32" required></label>
      <label>手机号<input name="phone" type="tel" maxlength="11" required></label><label>申请理由<textarea name="reason" rows="3" maxlength="500"></textarea></label>
      <button class="btn block">提交申请</button></form>` : '<a class="btn block" href="#/">去逛逛</a>'}`;
  view.querySelector('#f')?.addEventListener('submit', (e) => {
    e.preventDefault();
    busy(e.target.querySelector('button'), async () => {
      await shop('/distributor/apply', { method: 'POST', body: Object.fromEntries(new FormData(e.target)) });
      view.innerHTML = empty('申请已提交，请等待商家审核');
      toast('申请已提交');
    });
  });
}
