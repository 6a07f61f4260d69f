// Cart actions that may have to wait for sign-in: the visitor taps
// 加入购物车 or 立即购买, signs in, and lands back with the action done.
import { shop, signedIn } from './api.js';
import { toast } from './ui.js';
import { loginFirst, go, refreshCartBadge } from './app.js';

const KEY = 'fx_after_login';

export async function addToCart(sku, quantity) {
  if (!signedIn()) { later({ do: 'cart', sku, quantity, back: location.hash }); return false; }
  await shop('/cart/items', { method: 'POST', body: { sku, quantity } });
  toast('已加入购物车');
  refreshCartBadge();
  return true;
}

// buyNow puts exactly this SKU and quantity in the cart as the only
// selected line and opens the order confirmation.
export async function buyNow(sku, quantity) {
  if (!signedIn()) { later({ do: 'buy', sku, quantity, back: location.hash }); return; }
  const line = await shop('/cart/items', { method: 'POST', body: { sku, quantity } });
  if (line.quantity !== quantity) await shop(`/cart/items/${line.id}`, { method: 'PATCH', body: { quantity } });
  await shop('/cart/select', { method: 'POST', body: { selected: false } });
  await shop('/cart/select', { method: 'POST', body: { ids: [line.id], selected: true } });
  refreshCartBadge();
  go('#/checkout');
}

function later(action) {
  sessionStorage.setItem(KEY, JSON.stringify(action));
  toast('请先登录');
  loginFirst(action.back);
}

// resumeAfterLogin runs the action kept before sign-in, if any, and
// answers where to go next.
export async function resumeAfterLogin(next) {
  let a = null;
  try { a = JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { /* ignore */ }
  sessionStorage.removeItem(KEY);
  if (!a) return next;
  if (a.do === 'cart') { await addToCart(a.sku, a.quantity); return a.back || next; }
  if (a.do === 'buy') { await buyNow(a.sku, a.quantity); return null; }
  return next;
}
