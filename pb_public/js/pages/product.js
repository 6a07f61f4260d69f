// 商品详情: gallery, price with promotions, the SKU sheet with live stock
// (realtime), description and params, 分享赚 for distributors, and the
// sticky 加入购物车 / 立即购买 bar; during a flash-sale slot (场次) the
// flash price, countdown, units left and limit, and 立即抢购.
import { shop, pb, info, signedIn, me, thumb } from '../api.js';
import { esc, price, yuan, img, sheet, busy, copy, toastError, empty } from '../ui.js';
import { addToCart, buyNow } from '../actions.js';
import { setTitle, go, loginFirst } from '../app.js';
import { levels, short, myLevel, bestPrice, teaser, early, opening } from '../levels.js';
import { findItem, banner, blocker, countdown } from '../flash.js';

export default async function (view, { id, query }) {
  setTitle('商品详情');
  let product;
  try {
    product = await pb.collection('products').getOne(id);
  } catch (e) {
    if (e.status === 404) { view.innerHTML = empty('商品已下架或不存在', '<a class="btn ghost" href="#/">去首页逛逛</a>'); return; }
    throw e;
  }
  const [skuList, promos, shopInfo, lv, flash] = await Promise.all([
    pb.collection('skus').getFullList({ filter: pb.filter('product = {:id}', { id }), sort: 'price' }),
    shop(`/products/${id}/promotions`).catch(() => ({ promotions: [], skus: [] })),
    info(),
    levels(),
    findItem(id, query?.get('flash')),
  ]);
  // level privileges: the viewer's level price, early access, reserved SKUs
  const rank = myLevel();
  const unit = (s) => bestPrice(s, rank);
  // blocked says why the viewer may not buy a SKU yet (early access), '' if they may
  const blocked = (s) => {
    for (const r of [product, s]) if (r && early(r) && rank < r.early_level) return `${short(lv, r.early_level)}及以上提前购，${opening(r.public_at)}`;
    return '';
  };
  const levelTag = (s) => { const u = s && unit(s); return u && u.level ? `<span class="tag level">${esc(short(lv, u.level))}价</span>` : ''; };
  const teaserTag = (s) => { const t = s && teaser(s, rank); return t ? `<span class="tag level ghost">${esc(short(lv, t.level))}价 ${yuan(t.price)}</span>` : ''; };
  const skus = skuList;
  // the best per-item promotion price of each SKU, from the server
  const promoOf = Object.fromEntries((promos.skus || []).map((s) => [s.id, s.promo_price]));
  const promoPrice = (s) => (promoOf[s.id] != null && promoOf[s.id] < unit(s).price ? promoOf[s.id] : null);
  const activePromos = promos.promotions || [];
  let chosen = skus.find((s) => s.stock > 0) || skus[0];
  let qty = 1;
  const images = product.images || [];
  const minPrice = Math.min(...skus.map((s) => unit(s).price));
  const maxPrice = Math.max(...skus.map((s) => unit(s).price));
  const cheapest = skus.find((s) => unit(s).price === minPrice);
  const earlyFor = [product, ...skus].find((r) => early(r));
  // the lowest level price the viewer does not reach yet, on any SKU
  const bestTeaser = skus.filter((s) => teaser(s, rank)).sort((a, b) => teaser(a, rank).level - teaser(b, rank).level || teaser(a, rank).price - teaser(b, rank).price)[0];
  const stock = () => skus.reduce((n, s) => n + s.stock, 0);
  const isDist = signedIn() && me().is_distributor;
  const l1 = shopInfo.distribution?.commission_l1_bp || 0;
  // a friend pays the price for everyone: that is what the share earns on
  const earn = Math.floor((Math.min(...skus.map((s) => s.price)) * l1) / 10000);
  const params = product.params && typeof product.params === 'object' ? Object.entries(product.params) : [];
  setTitle(product.title);

  view.innerHTML = `
    <div class="gallery">${images.length ? images.map((f, i) => `<img src="${esc(thumb(product, f, '750x750'))}" alt="${esc(product.title)} ${i + 1}" ${i ? 'loading="lazy"' : ''}>`).join('') : img('', product.title, 'noimg-big')}</div>
    ${images.length > 1 ? `<div class="dots muted small">共 ${images.length} 张图片，左右滑动查看</div>` : ''}
    ${flash ? banner(flash) : ''}
    <section class="card">
      <div class="prow big">${promos.promo_price < minPrice ? `${price(promos.promo_price)}<s class="muted">${yuan(minPrice)}</s>` : price(minPrice)}${maxPrice > minPrice ? '<small class="muted">起</small>' : ''}
        ${!(promos.promo_price < minPrice) && chosen?.original_price > chosen?.price ? `<s class="muted">${yuan(chosen.original_price)}</s>` : ''}
        ${levelTag(cheapest)}
        <span class="muted small right">已售 ${product.sales || 0}</span></div>
      ${bestTeaser ? `<div class="tags">${teaserTag(bestTeaser)}<small class="muted">升级分销等级享更低价</small></div>` : ''}
      <h2 class="ptitle-big">${product.min_level ? `<span class="tag level">${esc(short(lv, product.min_level))}专享</span> ` : ''}${esc(product.title)}</h2>
      ${earlyFor ? `<div class="early-box" id="early"><span><b>${esc(short(lv, earlyFor.early_level))}及以上 提前购</b>，${esc(opening(earlyFor.public_at))}</span>${rank >= earlyFor.early_level ? `<small>你是${esc(short(lv, rank))}，现在即可购买</small>` : ''}</div>` : ''}
      <p class="muted">${esc(product.subtitle)}</p>
      ${activePromos.length ? `<div class="promo-box">${activePromos.map((p) => `<div><span class="tag">${esc(p.label || p.name)}</span> ${esc(p.name)}${p.ends_at ? ` <small class="muted">${esc(String(p.ends_at).slice(0, 10))} 截止</small>` : ''}</div>`).join('')}</div>` : ''}
      ${isDist && earn > 0 ? `<button class="share-earn" id="share">分享赚 ${yuan(earn)} <small>起</small> ›</button>` : ''}
    </section>
    <section class="card cell" id="pick"><span class="muted">已选</span><span id="picked"></span><span class="muted">›</span></section>
    ${params.length ? `<section class="card"><h3>商品参数</h3><table class="params">${params.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table></section>` : ''}
    <section class="card"><h3>商品详情</h3><div class="desc" id="desc"></div></section>
    <div class="bottom-bar">
      <a class="icon-link" href="#/">⌂<small>首页</small></a>
      <a class="icon-link" href="#/cart">🛒<small>购物车</small></a>
      <button class="btn warm" id="add">加入购物车</button>
      <button class="btn" id="buy">立即购买</button>
    </div>`;
  // the description is the merchant's own rich text from the dashboard
  view.querySelector('#desc').innerHTML = product.description || '<p class="muted">暂无详情</p>';
  const picked = view.querySelector('#picked');
  const showPicked = () => {
    picked.textContent = chosen ? `${chosen.spec_text || '默认'} × ${qty}${chosen.stock <= 0 ? '（已售罄）' : ''}` : '暂无规格';
    const out = !chosen || stock() <= 0;
    const wait = chosen ? blocked(chosen) : '';
    view.querySelector('#add').disabled = out || !!wait;
    if (flash) return;
    view.querySelector('#buy').disabled = out || !!wait;
    view.querySelector('#buy').textContent = out ? '已售罄' : wait ? wait.replace(/^.*，/, '') : '立即购买';
  };
  showPicked();

  const skuSheet = (then) => sheet(`
      <div class="sku-head">${images.length ? `<img src="${esc(thumb(product, images[0], '200x200'))}" alt="">` : img('', product.title, 'noimg-sm')}
        <div><div id="sku-price"></div><div class="muted small" id="sku-stock"></div></div></div>
      <h4>规格</h4><div class="chips" id="sku-chips">${skus.map((s) => `<button class="chip" data-sku="${esc(s.id)}" ${s.stock > 0 ? '' : 'disabled'}>${esc(s.spec_text || '默认')}${s.min_level ? ` <small class="red">${esc(short(lv, s.min_level))}专享</small>` : ''}</button>`).join('')}</div>
      ${activePromos.length ? `<p class="small red">${activePromos.map((p) => esc(p.label || p.name)).join(' · ')}：结算时自动优惠</p>` : ''}
      <h4>数量</h4><div class="stepper"><button data-d="-1" aria-label="减少">−</button><input id="qty" inputmode="numeric" value="${qty}"><button data-d="1" aria-label="增加">+</button></div>
      <button class="btn block" id="sku-ok">${then === 'cart' ? '加入购物车' : then === 'buy' ? '立即购买' : '确定'}</button>`,
  (el, close) => {
    const qtyIn = el.querySelector('#qty');
    const paint = () => {
      el.querySelectorAll('[data-sku]').forEach((b) => b.classList.toggle('on', b.dataset.sku === chosen?.id));
      const pp = chosen && promoPrice(chosen);
      const up = chosen && unit(chosen).price;
      el.querySelector('#sku-price').innerHTML = chosen ? (pp != null ? `${price(pp)} <s class="muted">${yuan(up)}</s>` : price(up)) + levelTag(chosen) + teaserTag(chosen)
        + (blocked(chosen) ? `<div class="small red">${esc(blocked(chosen))}</div>` : '') : '';
      el.querySelector('#sku-stock').textContent = chosen ? (chosen.stock > 0 ? `库存 ${chosen.stock} 件` : '已售罄') : '';
      qty = Math.max(1, Math.min(qty, chosen?.stock || 1));
      qtyIn.value = qty;
      showPicked();
    };
    el.querySelectorAll('[data-sku]').forEach((b) => (b.onclick = () => { chosen = skus.find((s) => s.id === b.dataset.sku); paint(); }));
    el.querySelectorAll('[data-d]').forEach((b) => (b.onclick = () => { qty += Number(b.dataset.d); paint(); }));
    qtyIn.onchange = () => { qty = parseInt(qtyIn.value, 10) || 1; paint(); };
    el.querySelector('#sku-ok').onclick = (e) => busy(e.target, async () => {
      if (!chosen || chosen.stock <= 0 || blocked(chosen)) return;
      if (then === 'cart') { if (await addToCart(chosen.id, qty)) close(); } else if (then === 'buy') { close(); await buyNow(chosen.id, qty); } else close();
    });
    paint();
  });

  view.querySelector('#pick').onclick = () => skuSheet('');
  view.querySelector('#add').onclick = () => skuSheet('cart');
  view.querySelector('#buy').onclick = () => skuSheet('buy');
  let stopFlash = null;
  if (flash) {
    // 立即抢购 buys the flash SKU at the flash price; the cart stays at list price
    const buy = view.querySelector('#buy');
    buy.classList.add('flash-buy');
    buy.textContent = blocker(flash) || '立即抢购';
    buy.disabled = !!blocker(flash);
    buy.onclick = () => {
      const to = `#/checkout?offer=${encodeURIComponent(flash.id)}&qty=1`;
      if (!signedIn()) { loginFirst(to); return; }
      go(to);
    };
    // the slot opens or closes: paint the page again from the server
    stopFlash = countdown(view.querySelector('#flash-left'), flash, () => setTimeout(() => window.dispatchEvent(new HashChangeEvent('hashchange')), 1000));
  }
  view.querySelector('#share')?.addEventListener('click', (e) => busy(e.target, () => shareSheet(product, earn)));

  // stock each sale or return leaves, live
  const off = await pb.collection('skus').subscribe('*', (ev) => {
    const s = skus.find((x) => x.id === ev.record.id);
    if (s) { s.stock = ev.record.stock; s.price = ev.record.price; showPicked(); }
  }, { filter: pb.filter('product = {:id}', { id }) }).catch(() => null);
  return () => { off?.(); stopFlash?.(); };
}

// shareSheet shows the distributor's link for this product with copy, QR
// code and poster (made by the sharing plugin).
export async function shareSheet(product, earn) {
  const link = await shop('/share/link', { query: product ? { product: product.id } : {} });
  await sheet(`
    <h3>${product ? `分享赚 ${yuan(earn)} 起` : '邀请好友'}</h3>
    <p class="muted small">好友通过你的链接注册并下单，你获得佣金；订单完成并过了冻结期后可提现。</p>
    <div class="linkbox"><input readonly value="${esc(link.h5_url)}" id="share-url"><button class="btn small" id="copy">复制链接</button></div>
    <div class="share-media"><figure><img src="${esc(link.qr_url)}" alt="二维码" width="140" height="140"><figcaption>扫码打开</figcaption></figure>
    <figure><img src="${esc(link.poster_url)}" alt="分享海报" class="poster"><figcaption>长按或右键保存海报</figcaption></figure></div>
    <a class="btn block ghost" href="${esc(link.poster_url)}" download="poster.png">下载海报</a>`,
  (el) => { el.querySelector('#copy').onclick = () => copy(link.h5_url); }).catch(toastError);
}
