// 收银台: amount, time left, the payment methods this shop really has
// (WeChat Pay inside WeChat, Alipay elsewhere, balance, bank transfer,
// sandbox only when on) and the hand-over to the provider.
import { shop, pb, info } from '../api.js';
import { esc, price, yuan, payMethodName, busy, confirmBox, empty, toast } from '../ui.js';
import { setTitle, go } from '../app.js';

const inWeChat = /MicroMessenger/i.test(navigator.userAgent);

export default async function (view, { id }) {
  setTitle('收银台');
  const [order, shopInfo] = await Promise.all([pb.collection('orders').getOne(id), info()]);
  if (order.status !== 'pending_payment') { go('#/o/' + id); return; }
  const methods = (shopInfo.payment_methods || []).filter((m) => payMethodName[m]);
  let wallet = null;
  if (methods.includes('balance')) wallet = await shop('/wallet').catch(() => null);
  const usable = (m) => {
    if (m === 'wechatpay' && !inWeChat) return '请在微信中打开本页面使用微信支付';
    if (m === 'alipay' && inWeChat) return '微信内无法使用支付宝，请在浏览器中打开';
    if (m === 'balance' && (!wallet || wallet.available < order.payable)) return `余额不足（可用 ${yuan(wallet?.available || 0)}）`;
    return '';
  };
  const first = methods.find((m) => !usable(m)) || '';
  view.innerHTML = `
    <section class="card center paybox">
      <div class="muted">实付金额</div>${price(order.payable, 'huge')}
      <div class="muted small" id="left"></div><div class="muted small">订单号 ${esc(order.order_no)}</div>
    </section>
    <section class="card methods">${methods.length ? methods.map((m) => `
      <label class="method ${usable(m) ? 'off' : ''}"><input type="radio" name="m" value="${m}" ${m === first ? 'checked' : ''} ${usable(m) ? 'disabled' : ''}>
        <span class="micon m-${m}"></span><span class="grow">${payMethodName[m]}${m === 'balance' && wallet ? ` <small class="muted">可用 ${yuan(wallet.available)}</small>` : ''}
        ${usable(m) ? `<small class="muted block">${usable(m)}</small>` : ''}${m === 'sandbox' ? '<small class="muted block">测试模式：不扣款，订单标记为沙箱</small>' : ''}</span></label>`).join('')
    : empty('商城暂未开通在线支付，请联系商家')}</section>
    <div id="offline-info"></div>
    <div class="bottom-bar"><a class="btn ghost" href="#/o/${esc(id)}">暂不支付</a><button class="btn grow" id="pay" ${first ? '' : 'disabled'}>确认支付 ${yuan(order.payable)}</button></div>`;

  const left = view.querySelector('#left');
  const tick = () => {
    const ms = new Date(String(order.expires_at).replace(' ', 'T')) - Date.now();
    if (!order.expires_at) { left.textContent = ''; return; }
    if (ms <= 0) { left.textContent = '支付已过期，订单将自动取消'; view.querySelector('#pay').disabled = true; return; }
    const s = Math.floor(ms / 1000);
    left.textContent = `剩余支付时间 ${Math.floor(s / 60)}分${String(s % 60).padStart(2, '0')}秒`;
  };
  tick();
  const timer = setInterval(tick, 1000);

  // a payment finished elsewhere (notify, another tab) moves the page on
  const off = await pb.collection('orders').subscribe(id, (ev) => {
    if (ev.record.status !== 'pending_payment') go('#/o/' + id + '?paid=1');
  }).catch(() => null);

  view.querySelector('#pay').onclick = (e) => busy(e.target, async () => {
    const m = view.querySelector('input[name=m]:checked')?.value;
    if (!m) return;
    if (m === 'balance' && !(await confirmBox(`使用余额支付 ${yuan(order.payable)}？`, '确认支付'))) return;
    const res = await shop(`/orders/${id}/pay`, { method: 'POST', body: { method: m } });
    if (res.paid) { toast('支付成功'); go('#/o/' + id + '?paid=1'); return; }
    if (m === 'alipay' && res.params.pay_url) { location.href = res.params.pay_url; return; }
    if (m === 'wechatpay') { wechatPay(res.params, id); return; }
    if (m === 'offline') { showOffline(view, res.params); return; }
  });
  return () => { clearInterval(timer); off?.(); };
}

// wechatPay opens WeChat's own cashier with the prepay parameters.
function wechatPay(params, id) {
  const invoke = () => window.WeixinJSBridge.invoke('getBrandWCPayRequest', params, (r) => {
    if (r.err_msg === 'get_brand_wcpay_request:ok') go('#/o/' + id + '?paid=1');
    else if (r.err_msg !== 'get_brand_wcpay_request:cancel') toast('微信支付未完成，请重试', 'error');
  });
  if (window.WeixinJSBridge) invoke();
  else document.addEventListener('WeixinJSBridgeReady', invoke, { once: true });
}

function showOffline(view, p) {
  view.querySelector('#offline-info').innerHTML = `<section class="card">
    <h3>请转账到以下账户</h3>
    <div class="row"><span>户名</span><b>${esc(p.account_name)}</b></div>
    <div class="row"><span>账号</span><b>${esc(p.account_no)}</b></div>
    ${p.bank_name ? `<div class="row"><span>开户行</span><b>${esc(p.bank_name)}</b></div>` : ''}
    ${p.amount != null ? `<div class="row"><span>金额</span><b>${yuan(p.amount)}</b></div>` : ''}
    ${p.reference || p.order_no ? `<div class="row"><span>转账备注</span><b>${esc(p.reference || p.order_no)}</b></div>` : ''}
    ${p.note ? `<p class="muted small">${esc(p.note)}</p>` : ''}
    <p class="muted small">商家确认收款后订单自动变为待发货。</p></section>`;
  view.querySelector('#pay').hidden = true;
}
