// 登录/注册: phone + SMS code (signs up a new phone), or e-mail sign-in
// and sign-up; the kept referral goes with the sign-up and the visitor
// returns to where they were with their action done.
import { pb, shop, errorCode } from '../api.js';
import { esc, busy, toast, toastError } from '../ui.js';
import { pendingReferral, invitation, clearReferral, bindNow } from '../referral.js';
import { resumeAfterLogin } from '../actions.js';
import { setTitle, go } from '../app.js';

export default async function (view, { query }) {
  setTitle('登录');
  const next = query.get('next') || '#/me';
  const ref = pendingReferral();
  let mode = query.get('mode') || 'sms';
  let timer = null;

  function render() {
    view.innerHTML = `
      <section class="login">
        <h2>欢迎来到分销商城</h2>
        ${ref ? `<p class="invite-note">好友 <b>${esc(ref.code)}</b> 邀请你加入，注册后即成为好友的团队成员</p>` : ''}
        <div class="tabs"><a href="javascript:" data-mode="sms" class="${mode === 'sms' ? 'on' : ''}">手机验证码</a><a href="javascript:" data-mode="email" class="${mode !== 'sms' ? 'on' : ''}">邮箱</a></div>
        ${mode === 'sms' ? `
        <form id="f" class="stack">
          <input name="phone" type="tel" inputmode="numeric" maxlength="11" placeholder="手机号" autocomplete="tel" required>
          <div class="row gap"><input name="code" inputmode="numeric" maxlength="6" placeholder="6 位验证码" autocomplete="one-time-code" required><button type="button" class="btn ghost" id="send">获取验证码</button></div>
          <button class="btn block">登录 / 注册</button>
          <p class="muted small">未注册的手机号验证后自动注册</p>
        </form>` : `
        <form id="f" class="stack">
          ${mode === 'signup' ? '<input name="nickname" placeholder="昵称（选填）" maxlength="64">' : ''}
          <input name="email" type="email" placeholder="邮箱" autocomplete="email" required>
          <input name="password" type="password" placeholder="密码（至少 8 位）" autocomplete="${mode === 'signup' ? 'new-password' : 'current-password'}" required minlength="${mode === 'signup' ? 8 : 1}">
          <button class="btn block">${mode === 'signup' ? '注册' : '登录'}</button>
          <p class="center small">${mode === 'signup' ? '已有账号？<a href="javascript:" data-mode="email">去登录</a>' : '还没有账号？<a href="javascript:" data-mode="signup">邮箱注册</a>'}</p>
        </form>`}
        <p id="msg" class="error-text" role="alert"></p>
      </section>`;
    view.querySelectorAll('[data-mode]').forEach((a) => (a.onclick = () => { mode = a.dataset.mode; render(); }));
    const f = view.querySelector('#f');
    const msg = view.querySelector('#msg');
    const send = view.querySelector('#send');
    if (send) send.onclick = () => busy(send, async () => {
      const phone = f.phone.value.trim();
      if (!/^1[3-9]\d{9}$/.test(phone)) { msg.textContent = '请输入正确的 11 位手机号'; return; }
      msg.textContent = '';
      await shop('/auth/sms/send', { method: 'POST', body: { phone } });
      toast('验证码已发送');
      let left = 60;
      clearInterval(timer);
      timer = setInterval(() => {
        if (!send.isConnected) { clearInterval(timer); return; }
        send.disabled = left > 0;
        send.textContent = left > 0 ? `${left--} 秒后重发` : '重新获取';
        if (left < 0) clearInterval(timer);
      }, 1000);
    });
    f.onsubmit = (e) => {
      e.preventDefault();
      busy(f.querySelector('button:not([type])'), async () => {
        msg.textContent = '';
        try {
          await signIn(new FormData(f));
        } catch (err) {
          // a stale invite code must not block signing in: retry without it
          if (errorCode(err) === 'invite_code_unknown') { clearReferral(); toast('邀请码已失效，已为你直接登录'); await signIn(new FormData(f)); return; }
          throw err;
        }
      });
    };
  }

  async function signIn(fd) {
    const inv = invitation();
    if (mode === 'sms') {
      const phone = fd.get('phone').trim();
      if (!/^1[3-9]\d{9}$/.test(phone)) throw Object.assign(new Error('请输入正确的 11 位手机号'), { status: 400 });
      const res = await shop('/auth/sms/verify', { method: 'POST', body: { phone, code: fd.get('code').trim(), ...inv } });
      pb.authStore.save(res.token, res.record);
    } else if (mode === 'signup') {
      const body = { email: fd.get('email').trim(), password: fd.get('password'), passwordConfirm: fd.get('password'), nickname: fd.get('nickname') || '', ...inv };
      await pb.collection('users').create(body);
      await pb.collection('users').authWithPassword(body.email, body.password);
    } else {
      await pb.collection('users').authWithPassword(fd.get('email').trim(), fd.get('password'));
      await bindNow();
    }
    clearReferral();
    toast('登录成功');
    const to = await resumeAfterLogin(next).catch((e) => { toastError(e); return next; });
    if (to) go(to.startsWith('#/login') ? '#/me' : to);
  }

  render();
  return () => clearInterval(timer);
}
