// Distributor and product rankings over the last 7/30/90 days.
import { api, h, yuan, table } from '../lib.js';

let days = 30;

export default async function rankings(el) {
  const [dist, prod] = await Promise.all([
    api.get('/api/shop/admin/reports/rankings', { by: 'distributors', days }),
    api.get('/api/shop/admin/reports/rankings', { by: 'products', days }),
  ]);
  const seg = h('div', { class: 'seg' }, [7, 30, 90].map(d =>
    h('button', { class: d === days ? 'on' : '', onclick: () => { days = d; rankings(el); } }, `${d} 天`)));
  el.replaceChildren(
    h('div', { class: 'toolbar' }, h('span', { class: 'grow' }), seg),
    h('div', { class: 'grid2' },
      h('div', { class: 'panel' }, h('h3', {}, '分销员佣金榜'),
        table([
          { title: '#', cell: r => dist.items.indexOf(r) + 1 },
          { title: '分销员', cell: r => [h('div', {}, r.name || '—'), h('div', { class: 'sub' }, r.phone || '')] },
          { title: '带来订单', num: true, cell: r => r.orders },
          { title: '佣金', num: true, cell: r => yuan(r.amount) },
        ], dist.items)),
      h('div', { class: 'panel' }, h('h3', {}, '商品销售榜'),
        table([
          { title: '#', cell: r => prod.items.indexOf(r) + 1 },
          { title: '商品', cell: r => r.name },
          { title: '销量', num: true, cell: r => r.quantity },
          { title: '销售额', num: true, cell: r => yuan(r.amount) },
        ], prod.items))));
}
