// Product cards and lists shared by home, category and search.
import { esc, price, img, yuan } from './ui.js';

export function productCard(p) {
  const promo = p.promo_price != null && p.promo_price < p.min_price;
  const sold = p.stock_state === 'sold_out';
  return `<a class="pcard${sold ? ' sold' : ''}" href="#/p/${esc(p.id)}" data-product="${esc(p.id)}">
    ${img(p.thumb, p.title, 'pimg')}
    <div class="pbody">
      <div class="ptitle">${esc(p.title)}</div>
      ${(p.promotion_labels || []).length || p.early ? `<div class="tags">${p.early ? `<span class="tag level" title="${esc(p.early.text)}">${esc(p.early.label)}提前购</span>` : ''}${(p.promotion_labels || []).slice(0, 2).map((l) => `<span class="tag">${esc(l)}</span>`).join('')}</div>` : ''}
      <div class="prow">${price(promo ? p.promo_price : p.min_price)}${promo ? `<s class="muted">${yuan(p.min_price)}</s>` : ''}
        ${p.max_price > p.min_price && !promo ? '<small class="muted">起</small>' : ''}</div>
      <div class="muted small">${sold ? '已售罄' : `已售 ${p.sales}`}</div>
    </div></a>`;
}

export function productGrid(items) {
  return `<div class="pgrid">${items.map(productCard).join('')}</div>`;
}
