// 消息通知: newest first, live; opening the page marks them read.
import { pb, me } from '../api.js';
import { esc, empty, fmtTime } from '../ui.js';
import { setTitle } from '../app.js';

const links = { order: (ref) => '#/o/' + ref, aftersale: (ref) => '#/as/' + ref, commission: () => '#/dist/commissions', withdrawal: () => '#/dist/withdraw' };

export default async function (view, _params, { isCurrent } = { isCurrent: () => true }) {
  setTitle('消息通知');
  async function render() {
    const list = await pb.collection('notifications').getList(1, 50, { sort: '-created' });
    // an update that lands after the buyer left must not paint over the next page
    if (!isCurrent()) return;
    view.innerHTML = list.items.length ? list.items.map((n) => {
      const kind = Object.keys(links).find((k) => (n.kind || '').startsWith(k));
      const href = kind && n.ref ? links[kind](n.ref) : '';
      return `<${href ? `a href="${esc(href)}"` : 'div'} class="card notice ${n.read ? '' : 'unread'}"><div class="row"><b>${esc(n.title)}</b><small class="muted">${fmtTime(n.created)}</small></div>
        ${n.body ? `<p class="small">${esc(n.body)}</p>` : ''}</${href ? 'a' : 'div'}>`;
    }).join('') : empty('暂时没有消息');
    for (const n of list.items.filter((x) => !x.read)) pb.collection('notifications').update(n.id, { read: true }).catch(() => {});
  }
  await render();
  const off = await pb.collection('notifications').subscribe('*', (ev) => { if (ev.record.user === me().id) render(); }).catch(() => null);
  return () => off?.();
}
