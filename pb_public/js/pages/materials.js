// 素材中心: the training courses of my level and below (grouped by level),
// then the merchant's posters, copy and videos, each with my link. Courses
// above my level are not sent by the server at all (the collection's rules),
// so the page names what the next level unlocks instead of listing them.
import { pb, shop } from '../api.js';
import { esc, empty, copy, busy } from '../ui.js';
import { setTitle } from '../app.js';
import { levels, short, myLevel } from '../levels.js';

const isCourse = (m) => m.kind === 'course' || m.kind === 'document';

export default async function (view) {
  setTitle('素材中心');
  await pb.collection('users').authRefresh().catch(() => null);
  const [list, lv] = await Promise.all([
    pb.collection('materials').getList(1, 100, { sort: 'sort,-created' }),
    levels(),
  ]);
  const rank = myLevel();
  const courses = list.items.filter(isCourse);
  const materials = list.items.filter((m) => !isCourse(m));
  // course attachments are protected files: they open with a file token
  const token = courses.some((m) => (m.attachments || []).length) ? await pb.files.getToken().catch(() => '') : '';
  const next = Object.values(lv).filter((l) => l.rank > rank).sort((a, b) => a.rank - b.rank)[0];

  const byLevel = {};
  for (const c of courses) (byLevel[c.min_level || 0] ??= []).push(c);
  const groups = Object.keys(byLevel).map(Number).sort((a, b) => a - b);

  view.innerHTML = `
    <section class="card row"><span>我的等级 <b>${rank ? esc(short(lv, rank)) + ' ' + esc(lv[rank]?.name || '') : '普通分销员'}</b></span></section>
    <h3 class="section-title">培训课程</h3>
    ${groups.length ? groups.map((g) => `
      <h4 class="pad small muted">${g ? `${esc(short(lv, g))} 专属课程` : '全部分销员'}</h4>
      ${byLevel[g].map((m) => course(m, token, lv)).join('')}`).join('') : '<p class="muted small pad">暂时没有课程</p>'}
    ${next ? `<section class="card level-hint" id="next-level"><b>下一等级：${esc(short(lv, next.rank))}（${esc(next.name)}）</b><p class="small">升级分销等级可解锁更多专属课程、专享商品和等级价</p>
      ${next.benefits ? `<p class="small">${esc(next.benefits)}</p>` : ''}<p class="small muted">等级按你的销售额和团队自动升级</p></section>` : ''}
    <h3 class="section-title">推广素材</h3>
    ${materials.length ? materials.map(material).join('') : empty('商家还没有上传推广素材')}`;

  view.querySelectorAll('.material').forEach((el) => {
    const m = list.items.find((x) => x.id === el.dataset.id);
    el.querySelector('.copy-text')?.addEventListener('click', () => copy(m.text));
    el.querySelector('.share')?.addEventListener('click', (e) => busy(e.target, async () => copy((await shop('/share/link', { query: { material: m.id } })).h5_url)));
  });
}

function course(m, token, lv) {
  const files = m.attachments || [];
  const url = (f) => pb.files.getURL(m, f, { token });
  return `<section class="card course" data-id="${esc(m.id)}">
    ${m.cover ? `<img class="cover" src="${esc(pb.files.getURL(m, m.cover, { thumb: '400x225' }))}" alt="" loading="lazy">` : ''}
    <h4>${m.min_level ? `<span class="tag level">${esc(short(lv, m.min_level))}</span> ` : ''}${esc(m.title)}${m.duration_minutes ? ` <small class="muted">${m.duration_minutes} 分钟</small>` : ''}</h4>
    ${m.text ? `<p class="small pre">${esc(m.text)}</p>` : ''}
    ${m.video_url ? (/\.mp4(\?|$)/i.test(m.video_url) ? `<video src="${esc(m.video_url)}" controls preload="none"></video>` : `<a class="btn small ghost" href="${esc(m.video_url)}" target="_blank" rel="noopener">观看视频</a>`) : ''}
    ${files.map((f) => /\.mp4$/i.test(f) ? `<video src="${esc(url(f))}" controls preload="none"></video>`
      : `<a class="link" href="${esc(url(f))}" target="_blank" rel="noopener">📄 ${esc(f.replace(/_[a-z0-9]{10}(\.\w+)$/i, '$1'))}</a>`).join('')}
  </section>`;
}

function material(m) {
  return `<section class="card material" data-id="${esc(m.id)}"><h4>${esc(m.title)}</h4>
      ${m.text ? `<p class="small pre">${esc(m.text)}</p>` : ''}
      <div class="photos">${(m.files || []).map((f) => /\.mp4$/i.test(f) ? `<video src="${esc(pb.files.getURL(m, f))}" controls preload="none"></video>`
        : `<a href="${esc(pb.files.getURL(m, f))}" download><img src="${esc(pb.files.getURL(m, f, { thumb: '400x400' }))}" alt="" loading="lazy"></a>`).join('')}</div>
      <div class="row gap">${m.text ? '<button class="btn small ghost copy-text">复制文案</button>' : ''}<button class="btn small share">复制我的链接</button></div>
    </section>`;
}
