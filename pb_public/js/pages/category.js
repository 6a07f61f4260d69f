// 分类: top-level categories on the left, the chosen one's sub-categories
// and products on the right.
import { shop, pb } from '../api.js';
import { esc, empty } from '../ui.js';
import { productCard } from '../cards.js';
import { setTitle } from '../app.js';

export default async function (view, { query }) {
  setTitle('分类');
  const cats = await pb.collection('categories').getFullList({ sort: 'sort', fields: 'id,name,parent' });
  const tops = cats.filter((c) => !c.parent);
  let current = query.get('c') || tops[0]?.id || '';
  const top = cats.find((c) => c.id === current);
  const topId = top?.parent || current;
  const subs = cats.filter((c) => c.parent === topId);
  if (!tops.length) { view.innerHTML = empty('还没有商品分类'); return; }
  const res = await shop('/products/search', { query: { category: current, sort: 'sales', perPage: 40, facets: 0 } });
  view.innerHTML = `
    <div class="catpage">
      <aside>${tops.map((c) => `<a href="#/category?c=${esc(c.id)}" class="${c.id === topId ? 'on' : ''}">${esc(c.name)}</a>`).join('')}</aside>
      <section>
        ${subs.length ? `<div class="chips"><a class="chip ${current === topId ? 'on' : ''}" href="#/category?c=${esc(topId)}">全部</a>${subs.map((s) => `
          <a class="chip ${s.id === current ? 'on' : ''}" href="#/category?c=${esc(s.id)}">${esc(s.name)}</a>`).join('')}</div>` : ''}
        ${res.items.length ? `<div class="plist">${res.items.map(productCard).join('')}</div>` : empty('这个分类下暂时没有商品')}
      </section>
    </div>`;
}
