// 收货地址: list, pick for an order, set default, edit, delete.
import { pb } from '../api.js';
import { esc, empty, busy, confirmBox } from '../ui.js';
import { setTitle, go } from '../app.js';

export default async function (view, { query }) {
  const pick = query.get('pick');
  const next = query.get('next') || '#/checkout';
  setTitle(pick ? '选择收货地址' : '收货地址');
  async function render() {
    const list = await pb.collection('addresses').getFullList({ sort: '-is_default,-updated' });
    const back = encodeURIComponent(location.hash);
    view.innerHTML = `${list.length ? list.map((a) => `
      <section class="card addr-item" data-id="${esc(a.id)}">
        <div class="grow ${pick ? 'pick' : ''}"><b>${esc(a.name)}</b> ${esc(a.phone)} ${a.is_default ? '<span class="tag">默认</span>' : ''}
          <div class="muted">${esc(a.province)}${esc(a.city)}${esc(a.district)}${esc(a.detail)}</div></div>
        <div class="actions"><a class="link" href="#/address/${esc(a.id)}?next=${back}">编辑</a><button class="link del">删除</button></div>
      </section>`).join('') : empty('还没有收货地址')}
      <div class="bottom-bar"><a class="btn block" href="#/address/new?next=${back}">+ 新增收货地址</a></div>`;
    view.querySelectorAll('.pick').forEach((el) => (el.onclick = () => {
      const id = el.closest('[data-id]').dataset.id;
      go(next + (next.includes('?') ? '&' : '?') + 'address=' + id);
    }));
    view.querySelectorAll('.del').forEach((b) => (b.onclick = async () => {
      if (!(await confirmBox('删除这个地址？', '删除'))) return;
      await busy(b, async () => { await pb.collection('addresses').delete(b.closest('[data-id]').dataset.id); await render(); });
    }));
  }
  await render();
}
