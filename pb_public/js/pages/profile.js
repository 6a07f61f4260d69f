// 个人资料: nickname and avatar.
import { pb, me, thumb } from '../api.js';
import { esc, busy, toast } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view) {
  setTitle('个人资料');
  const u = await pb.collection('users').getOne(me().id);
  view.innerHTML = `
    <form class="card stack" id="f">
      <label class="avatar-pick">${u.avatar ? `<img class="avatar" src="${esc(thumb(u, u.avatar, '100x100'))}" alt="">` : '<div class="avatar">+</div>'}
        <span>更换头像</span><input type="file" name="avatar" accept="image/jpeg,image/png,image/webp" hidden></label>
      <label>昵称<input name="nickname" maxlength="64" value="${esc(u.nickname)}" placeholder="你的昵称"></label>
      <p class="muted small">${u.phone ? '手机号 ' + esc(u.phone) : ''} ${u.email ? '邮箱 ' + esc(u.email) : ''}</p>
      <button class="btn block">保存</button>
    </form>`;
  const f = view.querySelector('#f');
  f.avatar.onchange = () => {
    const file = f.avatar.files[0];
    if (file) f.querySelector('.avatar').outerHTML = `<img class="avatar" src="${URL.createObjectURL(file)}" alt="">`;
  };
  f.onsubmit = (e) => {
    e.preventDefault();
    busy(f.querySelector('button'), async () => {
      const fd = new FormData();
      fd.append('nickname', f.nickname.value.trim());
      if (f.avatar.files[0]) fd.append('avatar', f.avatar.files[0]);
      const rec = await pb.collection('users').update(u.id, fd);
      pb.authStore.save(pb.authStore.token, rec);
      toast('已保存');
    });
  };
}
