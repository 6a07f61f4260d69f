// 搜索: relevance first for a query, the other sorts, filters from the
// facets (category, brand, price) and an empty state with suggestions.
import { shop } from '../api.js';
import { esc, empty } from '../ui.js';
import { productGrid } from '../cards.js';
import { setTitle } from '../app.js';

const sorts = [['relevance', '综合'], ['sales', '销量'], ['price_asc', '价格↑'], ['price_desc', '价格↓'], ['newest', '新品']];

export default async function (view, { query }) {
  setTitle('搜索');
  const q = query.get('q') || '';
  const sort = query.get('sort') || (q ? 'relevance' : 'sales');
  const params = { q, sort, perPage: 40 };
  for (const k of ['category', 'brand', 'price_min', 'price_max']) if (query.get(k)) params[k] = query.get(k);
  const res = await shop('/products/search', { query: params });
  const link = (change) => {
    const next = new URLSearchParams({ ...params, ...change });
    next.delete('perPage');
    for (const [k, v] of [...next]) if (v === '' || v == null) next.delete(k);
    return '#/search?' + next.toString();
  };
  const facets = res.facets || { categories: [], brands: [] };
  const facetRow = (name, key, list) => list.length ? `<div class="chips"><span class="muted small">${name}</span>
      ${list.map((f) => `<a class="chip ${params[key] === f.id ? 'on' : ''}" href="${link({ [key]: params[key] === f.id ? '' : f.id })}">${esc(f.name)} ${f.count}</a>`).join('')}</div>` : '';
  view.innerHTML = `
    <form class="searchbar"><input name="q" type="search" value="${esc(q)}" placeholder="搜索商品" enterkeyhint="search" autofocus></form>
    <div class="sorts">${sorts.filter(([v]) => q || v !== 'relevance').map(([v, l]) => `<a class="${v === sort ? 'on' : ''}" href="${link({ sort: v })}">${l}</a>`).join('')}</div>
    ${facetRow('分类', 'category', facets.categories || [])}
    ${facetRow('品牌', 'brand', facets.brands || [])}
    <form class="chips price-filter"><span class="muted small">价格</span>
      <input name="min" inputmode="decimal" placeholder="最低价" value="${params.price_min ? params.price_min / 100 : ''}">—
      <input name="max" inputmode="decimal" placeholder="最高价" value="${params.price_max ? params.price_max / 100 : ''}"><button class="chip">确定</button></form>
    <p class="muted small pad">${q ? `“${esc(q)}” ` : ''}共 ${res.totalItems} 件商品</p>
    ${res.items.length ? productGrid(res.items) : empty(q ? `没有找到与“${q}”相关的商品，换个词试试` : '没有符合条件的商品', '<a class="btn ghost" href="#/search">清除筛选</a>')}`;
  view.querySelector('.searchbar').onsubmit = (e) => {
    e.preventDefault();
    const nq = new FormData(e.target).get('q').trim();
    location.hash = link({ q: nq, sort: nq ? 'relevance' : 'sales' });
  };
  view.querySelector('.price-filter').onsubmit = (e) => {
    e.preventDefault();
    const f = new FormData(e.target);
    const fen = (v) => (v && !isNaN(v) ? String(Math.round(Number(v) * 100)) : '');
    location.hash = link({ price_min: fen(f.get('min')), price_max: fen(f.get('max')) });
  };
}
