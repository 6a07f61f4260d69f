// 推广素材: the merchant's posters, copy and videos, each with my link.
import { pb, shop } from '../api.js';
import { esc, empty, copy, busy } from '../ui.js';
import { setTitle } from '../app.js';

export default async function (view) {
  setTitle('推广素材');
  const list = await pb.collection('materials').getList(1, 50, { sort: 'sort,-created' });
  view.innerHTML = list.items.length ? list.items.map((m) => `
    <section class="card material" data-id="${esc(m.id)}"><h4>${esc(m.title)}</h4>
      ${m.text ? `<p class="small pre">${esc(m.text)}</p>` : ''}
      <div class="photos">${(m.files || []).map((f) => /\.mp4$/i.test(f) ? `<video src="${esc(pb.files.getURL(m, f))}" controls preload="none"></video>`
        : `<a href="${esc(pb.files.getURL(m, f))}" download><img src="${esc(pb.files.getURL(m, f, { thumb: '400x400' }))}" alt="" loading="lazy"></a>`).join('')}</div>
      <div class="row gap">${m.text ? '<button class="btn small ghost copy-text">复制文案</button>' : ''}<button class="btn small share">复制我的链接</button></div>
    </section>`).join('') : empty('商家还没有上传推广素材');
  view.querySelectorAll('.material').forEach((el) => {
    const m = list.items.find((x) => x.id === el.dataset.id);
    el.querySelector('.copy-text')?.addEventListener('click', () => copy(m.text));
    el.querySelector('.share').onclick = (e) => busy(e.target, async () => copy((await shop('/share/link', { query: { material: m.id } })).h5_url));
  });
}
