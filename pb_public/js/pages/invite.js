// 邀请好友: my invite link with copy, its QR code and the poster.
import { shop } from '../api.js';
import { esc, copy } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view) {
  setTitle('邀请好友');
  const link = await shop('/share/link');
  view.innerHTML = `
    <section class="card center"><h3>我的邀请码 <b id="invite-code">${esc(link.invite_code)}</b></h3>
      <p class="muted small">好友通过链接或二维码注册，自动成为你的一级团队成员</p>
      <div class="linkbox"><input readonly value="${esc(link.h5_url)}" id="invite-url"><button class="btn small" id="copy">复制链接</button></div>
      <img class="qr" src="${esc(link.qr_url)}" alt="邀请二维码" width="180" height="180">
    </section>
    <section class="card center"><h3>邀请海报</h3><img class="poster big" src="${esc(link.poster_url)}" alt="邀请海报" loading="lazy">
      <p class="muted small">长按图片保存，或</p><a class="btn ghost" href="${esc(link.poster_url)}" download="invite-poster.png">下载海报</a></section>`;
  view.querySelector('#copy').onclick = () => copy(link.h5_url);
}
