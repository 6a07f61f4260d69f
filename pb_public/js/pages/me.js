// 我的: user card, order shortcuts with counts, distribution entry,
// addresses, notifications, profile, sign-out.
import { pb, shop, signedIn, me, thumb } from '../api.js';
import { esc, yuan } from '../ui.js';
import { setTitle, go } from '../app.js';

export default async function (view) {
  setTitle('我的');
  if (!signedIn()) {
    view.innerHTML = `<section class="usercard"><div class="avatar">?</div><div><b>未登录</b><p>登录后查看订单、佣金和团队</p></div></section>
      <a class="btn block" href="#/login?next=%23%2Fme">登录 / 注册</a>`;
    return;
  }
  const u = me();
  const count = (filter) => pb.collection('orders').getList(1, 1, { filter, fields: 'id' }).then((r) => r.totalItems).catch(() => 0);
  const [c1, c2, c3, unread, ref, wallet] = await Promise.all([
    count("status = 'pending_payment'"), count("status = 'paid'"), count("status = 'shipped'"),
    pb.collection('notifications').getList(1, 1, { filter: 'read = false', fields: 'id' }).then((r) => r.totalItems).catch(() => 0),
    shop('/referral/me').catch(() => null),
    shop('/wallet').catch(() => null),
  ]);
  const badge = (n) => (n ? `<b class="badge-n">${n > 99 ? '99+' : n}</b>` : '');
  view.innerHTML = `
    <section class="usercard">
      ${u.avatar ? `<img class="avatar" src="${esc(thumb(u, u.avatar, '100x100'))}" alt="">` : `<div class="avatar">${esc((u.nickname || '我').slice(0, 1))}</div>`}
      <div class="grow"><b>${esc(u.nickname || '未设置昵称')}</b>
        <p>${esc(u.phone || u.email || '')}${u.is_distributor ? ' · 分销员' : ''}</p>
        ${ref ? `<p class="small">邀请码 <b id="invite-code">${esc(ref.invite_code)}</b>${ref.upline ? ` · 推荐人 ${esc(ref.upline.nickname || ref.upline.invite_code)}` : ''}</p>` : ''}</div>
      <a class="link light" href="#/profile">编辑 ›</a>
    </section>
    <section class="card">
      <div class="row"><b>我的订单</b><a class="link" href="#/orders">全部订单 ›</a></div>
      <div class="icons5">
        <a href="#/orders?tab=pending_payment"><i>¥</i>待付款${badge(c1)}</a>
        <a href="#/orders?tab=paid"><i>▣</i>待发货${badge(c2)}</a>
        <a href="#/orders?tab=shipped"><i>⇢</i>待收货${badge(c3)}</a>
        <a href="#/orders?tab=completed"><i>✓</i>已完成</a>
        <a href="#/orders?tab=aftersale"><i>↺</i>售后</a>
      </div>
    </section>
    ${wallet ? `<section class="card row"><span>余额 <b>${yuan(wallet.available)}</b>${wallet.frozen ? ` <small class="muted">冻结 ${yuan(wallet.frozen)}</small>` : ''}</span><a class="link" href="#/dist/withdraw">提现 ›</a></section>` : ''}
    <section class="card menu">
      <a href="#/dist"><span>分销中心</span><small class="muted">${u.is_distributor ? '佣金 · 团队 · 推广' : '成为分销员'}</small></a>
      <a href="#/coupons/mine"><span>我的优惠券</span><small class="muted">领券中心 · 下单抵扣</small></a>
      <a href="#/notifications"><span>消息通知</span>${badge(unread)}</a>
      <a href="#/addresses"><span>收货地址</span></a>
      <a href="#/profile"><span>个人资料</span></a>
    </section>
    <button class="btn block ghost" id="logout">退出登录</button>`;
  view.querySelector('#logout').onclick = () => { pb.authStore.clear(); go('#/'); };
}
