// 首页: search entry, a banner of the live promotions, the category grid
// and the best sellers; a flash-sale strip while a slot runs or is coming
// up, and the way to the coupon centre.
import { shop, pb, info } from '../api.js';
import { esc, empty, img, yuan } from '../ui.js';
import { productGrid } from '../cards.js';
import { setTitle } from '../app.js';

const palette = ['#ff7a45', '#36cfc9', '#597ef7', '#f759ab', '#73d13d', '#ffc53d', '#9254de', '#40a9ff'];

export default async function (view) {
  const [products, promos, cats, shopInfo, flash] = await Promise.all([
    shop('/products/search', { query: { sort: 'sales', perPage: 20, facets: 0 } }),
    shop('/promotions/active').catch(() => ({ items: [] })),
    pb.collection('categories').getFullList({ filter: 'parent = ""', sort: 'sort', fields: 'id,name,icon,collectionId' }),
    info(),
    shop('/flash/sessions').catch(() => ({ sessions: [] })),
  ]);
  const slot = (flash.sessions || []).find((x) => (x.state === 'live' || x.state === 'upcoming') && x.items?.length);
  setTitle(shopName(shopInfo));
  const promoItems = promos.items || [];
  view.innerHTML = `
    <form class="searchbar" action="#/search"><input name="q" type="search" placeholder="搜索商品，如 茶叶、保温杯" enterkeyhint="search"></form>
    <section class="hero">
      <div><b>${esc(shopName(shopInfo))}</b><p>好物精选 · 分享赚佣金</p></div>
      ${promoItems.length ? `<div class="hero-promos">${promoItems.slice(0, 3).map((p) => `<span class="tag light">${esc(p.label || p.name)}</span>`).join('')}</div>` : ''}
    </section>
    ${promoItems.length ? `<section class="card promos"><h3>正在进行的优惠</h3>${promoItems.map((p) => `
      <div class="promo-line"><span class="tag">${esc(p.label || p.name)}</span><span>${esc(p.name)}<small class="muted"> ${esc(p.scope_summary || "")}</small></span>${p.ends_at ? `<small class="muted">${esc(String(p.ends_at).slice(0, 10))} 截止</small>` : ''}</div>`).join('')}</section>` : ''}
    ${slot ? flashStrip(slot) : ''}
    <a class="card row coupon-link" href="#/coupons"><span><span class="tag">领券</span> 领券中心 <small class="muted">满减券、折扣券 先领再买</small></span><span class="muted">›</span></a>
    <section class="catgrid">${cats.map((c, i) => `
      <a href="#/category?c=${esc(c.id)}"><span class="caticon" style="background:${palette[i % palette.length]}">${esc(c.name.slice(0, 1))}</span>${esc(c.name)}</a>`).join('')}
      <a href="#/category"><span class="caticon" style="background:#bfbfbf">全</span>全部分类</a>
    </section>
    <h3 class="section-title">热销好物</h3>
    ${products.items.length ? productGrid(products.items) : empty('商品正在上架中，敬请期待')}`;
  view.querySelector('.searchbar').onsubmit = (e) => {
    e.preventDefault();
    const q = new FormData(e.target).get('q').trim();
    location.hash = '#/search?q=' + encodeURIComponent(q);
  };
  if (!slot) return;
  // the countdown runs from the server's seconds, not the phone's clock
  const t0 = Date.now();
  const left = slot.state === 'live' ? slot.ends_in : slot.starts_in;
  const el = view.querySelector('.countdown');
  const tick = () => {
    const s = Math.max(0, left - Math.floor((Date.now() - t0) / 1000));
    const p = (n) => String(n).padStart(2, '0');
    el.textContent = `${p(Math.floor(s / 3600))}:${p(Math.floor(s / 60) % 60)}:${p(s % 60)}`;
  };
  tick();
  const timer = setInterval(tick, 1000);
  return () => clearInterval(timer);
}

function flashStrip(slot) {
  const live = slot.state === 'live';
  return `<section class="flash">
    <div class="fhead"><b>${esc(slot.name || '限时秒杀')}</b><small class="muted">${live ? '距结束' : '距开始'}</small><span class="countdown"></span></div>
    <div class="fitems">${slot.items.map((it) => `
      <a class="fitem ${it.sold_out ? 'gone' : ''}" href="#/p/${esc(it.product)}?flash=${esc(it.id)}">${img(it.image, it.title, 'fimg')}
        ${it.sold_out ? '<span class="soldout">已抢光</span>' : ''}
        <div class="price"><small>¥</small>${yuan(it.flash_price, '')}</div>${it.price ? `<div class="was">${yuan(it.price)}</div>` : ''}</a>`).join('')}</div>
  </section>`;
}

export function shopName(i) {
  return i?.name && !['Acme', 'fenxiao'].includes(i.name) ? i.name : '分销商城';
}
