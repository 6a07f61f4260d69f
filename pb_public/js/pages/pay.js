// 收银台: amount, time left, the payment methods this shop really has
// (WeChat Pay everywhere, Alipay outside WeChat, balance, bank transfer,
// sandbox only when on) and the hand-over to the provider. WeChat Pay goes
// the way the device allows: WeixinJSBridge inside WeChat, WeChat's H5 page
// from another phone browser, a QR code to scan on a desktop.
import { shop, pb, info } from '../api.js';
import { esc, price, yuan, payMethodName, busy, confirmBox, empty, toast } from '../ui.js';
import { setTitle, go } from '../app.js';

const inWeChat = /MicroMessenger/i.test(navigator.userAgent);
const onPhone = /Android|iPhone|iPad|iPod|Mobile|HarmonyOS/i.test(navigator.userAgent);
const wechatChannel = inWeChat ? 'jsapi' : onPhone ? 'h5' : 'native';
const wechatHint = { jsapi: '', h5: '将跳转到微信完成支付', native: '使用微信扫一扫二维码支付' };

export default async function (view, { id, query }, { isCurrent } = { isCurrent: () => true }) {
  setTitle('收银台');
  const [order, shopInfo] = await Promise.all([pb.collection('orders').getOne(id), info()]);
  if (order.status !== 'pending_payment') { go('#/o/' + id); return; }
  const methods = (shopInfo.payment_methods || []).filter((m) => payMethodName[m]);
  let wallet = null;
  if (methods.includes('balance')) wallet = await shop('/wallet').catch(() => null);
  const usable = (m) => {
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
        ${usable(m) ? `<small class="muted block">${usable(m)}</small>` : ''}${m === 'sandbox' ? '<small class="muted block">测试模式：不扣款，订单标记为沙箱</small>' : ''}${m === 'wechatpay' && wechatHint[wechatChannel] ? `<small class="muted block">${wechatHint[wechatChannel]}</small>` : ''}</span></label>`).join('')
    : empty('商城暂未开通在线支付，请联系商家')}</section>
    ${query?.get('back') ? `<section class="card center muted small" id="back-note">正在确认微信支付结果…支付完成后页面会自动跳转；如未支付，可重新选择支付方式。</section>` : ''}
    <div id="offline-info"></div>
    <div class="bottom-bar"><a class="btn ghost" href="#/o/${esc(id)}">暂不支付</a><button class="btn grow" id="pay" ${first ? '' : 'disabled'}>确认支付 ${yuan(order.payable)}</button></div>`;

  const left = view.querySelector('#left');
  const tick = () => {
    const ms = new Date(String(order.expires_at).replace(' ', 'T')) - Date.now();
    const text = (t) => view.querySelectorAll('#left, #qr-left').forEach((el) => { el.textContent = t; });
    if (!order.expires_at) { text(''); return; }
    if (ms <= 0) {
      text('支付已过期，订单将自动取消'); view.querySelector('#pay').disabled = true;
      view.querySelector('#qr')?.classList.add('expired');
      return;
    }
    const s = Math.floor(ms / 1000);
    text(`剩余支付时间 ${Math.floor(s / 60)}分${String(s % 60).padStart(2, '0')}秒`);
  };
  tick();
  const timer = setInterval(tick, 1000);

  // a payment finished elsewhere (notify, another tab, a scanned QR code)
  // moves the page on; with the QR code on screen it says so first
  let qrShown = false;
  const paid = () => {
    if (!isCurrent()) return;
    if (!qrShown) { go('#/o/' + id + '?paid=1'); return; }
    qrPaid(view, order, id);
  };
  const off = await pb.collection('orders').subscribe(id, (ev) => {
    if (ev.record.status !== 'pending_payment') paid();
  }).catch(() => null);
  // realtime may be cut by a proxy: while a QR code waits, ask now and then too
  const poll = setInterval(async () => {
    if (!qrShown || view.querySelector('#qr.done')) return;
    const o = await pb.collection('orders').getOne(id, { fields: 'status' }).catch(() => null);
    if (o && o.status !== 'pending_payment') paid();
  }, 5000);

  view.querySelector('#pay').onclick = (e) => busy(e.target, async () => {
    const m = view.querySelector('input[name=m]:checked')?.value;
    if (!m) return;
    if (m === 'balance' && !(await confirmBox(`使用余额支付 ${yuan(order.payable)}？`, '确认支付'))) return;
    const body = { method: m };
    if (m === 'wechatpay') body.channel = wechatChannel;
    const res = await shop(`/orders/${id}/pay`, { method: 'POST', body });
    // the order's realtime event can arrive before this answer and take the
    // buyer to the order; a late answer must not pull them back from where
    // they went since
    if (!isCurrent()) return;
    if (res.paid) { toast('支付成功'); go('#/o/' + id + '?paid=1'); return; }
    if (m === 'alipay' && res.params.pay_url) { location.href = res.params.pay_url; return; }
    if (m === 'wechatpay' && res.params.h5_url) { location.href = h5Url(res.params.h5_url, id); return; }
    if (m === 'wechatpay' && res.params.qr_image) { qrShown = true; showQR(view, order, res.params); tick(); return; }
    if (m === 'wechatpay') { wechatPay(res.params, id); return; }
    if (m === 'offline') { showOffline(view, res.params); return; }
  });
  return () => { clearInterval(timer); clearInterval(poll); off?.(); };
}

// h5Url asks WeChat to send the buyer back to this cashier afterwards,
// where the order's state (live) tells whether the payment went through.
function h5Url(url, id) {
  const back = location.origin + location.pathname + '#/pay/' + encodeURIComponent(id) + '?back=1';
  return url + (url.includes('?') ? '&' : '?') + 'redirect_url=' + encodeURIComponent(back);
}

// showQR replaces the methods with the Native code to scan.
function showQR(view, order, p) {
  view.querySelector('.methods').outerHTML = `<section class="card center qrbox" id="qr">
      <h3><span class="micon m-wechatpay"></span> 微信扫码支付</h3>
      <img class="qr" src="${esc(p.qr_image)}" alt="微信支付二维码" width="200" height="200">
      <div>请使用微信扫一扫，支付 ${price(order.payable)}</div>
      <div class="muted small" id="qr-left"></div>
      <p class="muted small">支付完成后本页自动更新；二维码在订单超时后失效。</p>
    </section>`;
  // the code replaces the button and the countdown moves under it
  view.querySelector('#pay').style.display = 'none';
  view.querySelector('#left').style.display = 'none';
}

// qrPaid turns the QR code into the success state.
function qrPaid(view, order, id) {
  const box = view.querySelector('#qr');
  if (!box || box.classList.contains('done')) return;
  box.classList.add('done');
  box.innerHTML = `<div class="paid-mark">✓</div><h3>支付成功</h3><div>${price(order.payable)}</div>
    <p class="muted small">订单号 ${esc(order.order_no)}</p>
    <a class="btn" href="#/o/${esc(id)}?paid=1">查看订单</a>`;
  view.querySelector('.bottom-bar')?.remove();
  view.querySelector('#left').textContent = '';
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
