// Order lines of several orders in one request.
import { pb } from './api.js';

export async function itemsOf(orderIds) {
  if (!orderIds.length) return {};
  const filter = orderIds.map((_, i) => `order = {:o${i}}`).join(' || ');
  const params = Object.fromEntries(orderIds.map((id, i) => ['o' + i, id]));
  const items = await pb.collection('order_items').getFullList({ filter: pb.filter(filter, params), sort: 'created' });
  const by = {};
  for (const it of items) (by[it.order] ||= []).push(it);
  return by;
}
