// Distributor level privileges as the storefront shows them: level names,
// the viewer's level, level prices and early access. The server decides
// (rules, cart, checkout); these helpers only say the same thing to the eye.
import { pb, me, signedIn } from './api.js';

let levelsPromise;
// levels resolves to the configured levels by rank: {rank, name, label, benefits}.
export function levels() {
  levelsPromise ??= pb.collection('distributor_levels').getFullList({ sort: 'rank' })
    .then((list) => Object.fromEntries(list.map((l) => [l.rank, l]))).catch(() => ({}));
  return levelsPromise;
}

// short is a level's tag name: its label, or V<rank>.
export const short = (all, rank) => all[rank]?.label || `V${rank}`;

// myLevel is the level privileges are judged on: a distributor's level, 0
// for guests and shoppers (as the server's ViewerLevel).
export function myLevel() {
  const u = signedIn() ? me() : null;
  return u && u.is_distributor ? Number(u.level || 0) : 0;
}

// bestPrice is the unit price of a SKU for a viewer of rank and the level
// it comes from (0: the normal price); the lowest reached price wins.
export function bestPrice(sku, rank) {
  let best = sku.price; let level = 0;
  for (const p of Array.isArray(sku.level_prices) ? sku.level_prices : []) {
    if (p.level > 0 && p.level <= rank && p.price < best) { best = p.price; level = p.level; }
  }
  return { price: best, level };
}

// teaser is the price of a SKU at the nearest level above the viewer that
// pays less than they do, to show as 「V2价 ¥xx」: {level, price} or null.
export function teaser(sku, rank) {
  let t = null;
  const mine = bestPrice(sku, rank).price;
  for (const p of Array.isArray(sku.level_prices) ? sku.level_prices : []) {
    if (p.level > rank && p.price < mine && (!t || p.level < t.level || (p.level === t.level && p.price < t.price))) t = p;
  }
  return t ? bestPrice(sku, t.level) : null;
}

// early tells whether a product or SKU is in early access now.
export function early(rec) {
  if (!rec?.early_level) return false;
  return !rec.public_at || new Date(String(rec.public_at).replace(' ', 'T')) > new Date();
}

// opening formats when early access opens to everyone: 「12-10 20:00 开放」.
export function opening(publicAt) {
  if (!publicAt) return '开放时间待定';
  const d = new Date(String(publicAt).replace(' ', 'T'));
  const p = (n) => String(n).padStart(2, '0');
  return `${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())} 开放`;
}
