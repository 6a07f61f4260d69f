// 提现: available balance, the channels the shop has, the minimum, the fee
// and what arrives, shown live before submit; history with status and
// reasons, updated live; cancel while pending.
import { shop, pb, info } from '../api.js';
import { esc, yuan, rate, withdrawalStatus, fmtTime, busy, toast, confirmBox } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view, _params, { isCurrent } = { isCurrent: () => true }) {
  setTitle('提现');
  const i = await info();
  const rules = i.withdraw || {};
  const feeBp = rules.fee_bp || 0;
  const min = rules.min || 0;
  const channels = [...(rules.wechat ? [['wechat', '微信零钱']] : []), ['bank', '银行卡']];
  let channel = channels[0][0];
  async function render() {
    const [w, list] = await Promise.all([shop('/wallet'), pb.collection('withdrawals').getList(1, 30, { sort: '-created' })]);
    // an update that lands after the buyer left must not paint over the next page
    if (!isCurrent()) return;
    view.innerHTML = `
      <section class="dist-card slim"><span>可提现（元）</span><div class="big-num" id="available">${yuan(w.available, '')}</div>
        <p class="small">冻结中 ${yuan(w.frozen)}（待结算的佣金在订单完成 ${i.distribution?.frozen_days ?? 7} 天后解冻，审核中的提现在处理后扣除）</p></section>
      <form class="card stack" id="f">
        <div class="chips">${channels.map(([v, l]) => `<label class="chip ${v === channel ? 'on' : ''}"><input type="radio" name="channel" value="${v}" ${v === channel ? 'checked' : ''}> ${l}</label>`).join('')}</div>
        <label>提现金额（元）<div class="row gap"><input name="amount" inputmode="decimal" placeholder="最低 ${yuan(min, '')} 元" autocomplete="off"><button type="button" class="link" id="all">全部</button></div></label>
        ${channel === 'bank' ? `<label>开户名<input name="name" maxlength="32" placeholder="持卡人姓名"></label>
          <label>开户行<input name="bank" maxlength="64" placeholder="如 招商银行杭州分行"></label>
          <label>银行卡号<input name="number" inputmode="numeric" maxlength="30" placeholder="8–30 位卡号"></label>`
    : '<label>真实姓名<input name="real_name" maxlength="32" placeholder="微信实名（金额较大时需要）"></label>'}
        <div class="calc" id="calc"></div>
        <p class="muted small">最低提现 ${yuan(min)} · 手续费 ${rate(feeBp)}${rules.daily_limit ? ` · 每天最多 ${rules.daily_limit} 次` : ''}</p>
        <p class="error-text" id="msg" role="alert"></p>
        <button class="btn block">申请提现</button>
      </form>
      <h3 class="section-title">提现记录</h3>
      <section class="card" id="history">${list.items.length ? list.items.map((x) => `
        <div class="wrow" data-withdrawal="${esc(x.id)}"><div class="grow"><b>${yuan(x.amount)}</b> <small class="muted">${x.channel === 'bank' ? '银行卡' : '微信'}${x.fee ? ` · 手续费 ${yuan(x.fee)} · 到账 ${yuan(x.payout)}` : ''}</small>
          <div class="muted small">${fmtTime(x.created)}${x.reason ? ` · 原因：${esc(x.reason)}` : ''}</div></div>
          <div class="right"><span class="status w-${x.status}">${withdrawalStatus[x.status] || x.status}</span>${x.status === 'pending' ? `<br><button class="link cancel" data-id="${esc(x.id)}">撤销</button>` : ''}</div></div>`).join('')
    : '<p class="muted small">还没有提现记录</p>'}</section>`;
    const f = view.querySelector('#f');
    const calc = view.querySelector('#calc');
    const fen = () => Math.round(Number(f.amount.value || 0) * 100);
    const paint = () => {
      const a = fen();
      const fee = Math.floor((a * feeBp) / 10000);
      calc.innerHTML = a > 0 ? `手续费 ${yuan(fee)}，实际到账 <b class="red">${yuan(a - fee)}</b>` : '';
    };
    f.amount.oninput = paint;
    view.querySelector('#all').onclick = () => { f.amount.value = yuan(Math.max(0, w.available), ''); paint(); };
    f.querySelectorAll('input[name=channel]').forEach((r) => (r.onchange = () => { channel = r.value; render(); }));
    f.onsubmit = (e) => {
      e.preventDefault();
      const a = fen();
      const msg = view.querySelector('#msg');
      msg.textContent = !(a > 0) ? '请输入提现金额' : a < min ? `最低提现 ${yuan(min)}` : a > w.available ? '超出可提现金额' : '';
      if (msg.textContent) return;
      busy(f.querySelector('button:not([type])'), async () => {
        const v = Object.fromEntries(new FormData(f));
        const account = channel === 'bank' ? { name: v.name, bank: v.bank, number: v.number } : { real_name: v.real_name };
        await shop('/withdrawals', { method: 'POST', body: { amount: a, channel, account } });
        toast('提现申请已提交，等待审核');
        await render();
      });
    };
    view.querySelectorAll('.cancel').forEach((b) => (b.onclick = async () => {
      if (!(await confirmBox('撤销这笔提现？金额会退回可提现余额。', '撤销'))) return;
      await busy(b, async () => { await shop(`/withdrawals/cancel/${b.dataset.id}`, { method: 'POST' }); toast('已撤销'); await render(); });
    }));
  }
  await render();
  const off = await pb.collection('withdrawals').subscribe('*', () => render().catch(() => {})).catch(() => null);
  return () => off?.();
}
