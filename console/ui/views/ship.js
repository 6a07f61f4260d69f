// Orders to ship: one at a time, in a batch with one carrier, or from a
// CSV file of order numbers and tracking numbers; packing lists to print.
import { api, h, yuan, when, table, act, toast, errorText, companies } from '../lib.js';

const companyByName = Object.fromEntries(companies.flatMap(([code, name]) => [[name, code], [code, code]]));

export default async function ship(el, ctx) {
  const data = await api.get('/api/shop/admin/reports/queue/ship', { perPage: 200 });
  const rows = data.items;
  const inputs = new Map();
  const selected = new Set();
  const company = h('select', { name: 'company' }, companies.map(([c, n]) => h('option', { value: c }, n)));
  const file = h('input', { type: 'file', accept: '.csv,text/csv', name: 'tracking-file', style: 'display:none', onchange: () => importFile(file.files[0]) });
  const report = h('div', { class: 'muted', id: 'ship-report' });

  const shipOne = async (row, companyCode, number) => api.post(`/api/shop/admin/orders/${row.id}/ship`, { tracking_company: companyCode, tracking_no: number });

  async function shipMany(list) {
    let ok = 0;
    const failed = [];
    for (const [row, c, n] of list) {
      try {
        await shipOne(row, c, n);
        ok++;
      } catch (err) {
        failed.push(`${row.order_no}：${errorText(err)}`);
      }
    }
    report.replaceChildren(h('div', {}, `已发货 ${ok} 单` + (failed.length ? `，失败 ${failed.length} 单` : '')),
      ...failed.map(f => h('div', {}, f)));
    toast(`已发货 ${ok} 单` + (failed.length ? `，${failed.length} 单失败` : ''), failed.length > 0);
    await ship(el, ctx).then(() => el.prepend(report));
    ctx.refreshBadges();
  }

  // CSV: 订单号,快递公司,运单号 (header optional; company by name or code)
  async function importFile(f) {
    if (!f) return;
    const text = (await f.text()).replace(/^\uFEFF/, '');
    const byNo = new Map(rows.map(r => [r.order_no, r]));
    const list = [];
    const unknown = [];
    for (const line of text.split(/\r?\n/)) {
      const cells = line.split(',').map(s => s.trim().replace(/^"|"$/g, ''));
      if (cells.length < 3 || !cells[0] || cells[0] === '订单号') continue;
      const row = byNo.get(cells[0]);
      const code = companyByName[cells[1]] || cells[1];
      if (!row) unknown.push(cells[0]);
      else list.push([row, code, cells[2]]);
    }
    if (unknown.length) toast(`${unknown.length} 个订单号不在待发货列表：${unknown.slice(0, 3).join('、')}`, true);
    await shipMany(list);
  }

  function packingList(list) {
    const w = window.open('', '_blank');
    const docEl = (order) => `<div class="packing"><h4>发货单 ${order.order_no}</h4>
      <p>收货人：${esc(order.address?.name)} ${esc(order.address?.phone)}<br>地址：${esc([order.address?.province, order.address?.city, order.address?.district, order.address?.detail].join(' '))}</p>
      <table><tr><th>商品</th><th>规格</th><th>数量</th></tr>${order.lines.map(l => `<tr><td>${esc(l.title)}</td><td>${esc(l.spec_text)}</td><td>${l.quantity}</td></tr>`).join('')}</table>
      <p>买家留言：${esc(order.buyer_note || '无')}</p></div>`;
    Promise.all(list.map(r => api.get(`/api/shop/admin/reports/orders/${r.id}`))).then(orders => {
      w.document.write(`<!doctype html><meta charset="utf-8"><title>发货单</title><link rel="stylesheet" href="${location.origin}/admin/app.css">${orders.map(docEl).join('')}<script>print()<\/script>`);
      w.document.close();
    });
  }

  const columns = [
    { title: h('input', { type: 'checkbox', onchange: (ev) => {
      el.querySelectorAll('input.pick').forEach(c => { c.checked = ev.target.checked; c.dispatchEvent(new Event('change')); });
    } }), cell: r => h('input', { type: 'checkbox', class: 'pick', onchange: (ev) => ev.target.checked ? selected.add(r) : selected.delete(r) }) },
    { title: '订单', cell: r => [h('div', {}, r.order_no), h('div', { class: 'sub' }, '支付于 ' + when(r.paid_at))] },
    { title: '买家 / 收货人', cell: r => [h('div', {}, r.buyer_name || '—', ' ', h('span', { class: 'sub' }, r.buyer_phone || '')),
      h('div', { class: 'sub' }, `${r.address?.name || ''} ${r.address?.phone || ''}`),
      h('div', { class: 'sub' }, [r.address?.province, r.address?.city, r.address?.district, r.address?.detail].filter(Boolean).join(' '))] },
    { title: '商品', cell: r => [h('div', {}, r.items || ''), r.buyer_note ? h('div', { class: 'sub' }, '留言：' + r.buyer_note) : null] },
    { title: '实付', num: true, cell: r => yuan(r.payable) },
    { title: '发货', cell: r => {
      const c = h('select', { class: 'small' }, companies.map(([code, n]) => h('option', { value: code }, n)));
      const n = h('input', { placeholder: '运单号', name: 'tracking_no' });
      inputs.set(r.id, [c, n]);
      const b = h('button', { class: 'small primary', onclick: async () => {
        if (!n.value.trim()) return toast('请填写运单号', true);
        if (await act(b, () => shipOne(r, c.value, n.value.trim()), `${r.order_no} 已发货`)) { await ship(el, ctx); ctx.refreshBadges(); }
      } }, '发货');
      return h('div', { class: 'row-actions' }, c, n, b);
    } },
  ];

  el.replaceChildren(
    h('div', { class: 'toolbar' },
      h('span', {}, `共 ${data.total} 单待发货`),
      h('span', { class: 'grow' }),
      h('span', { class: 'muted' }, '批量：'), company,
      h('button', { onclick: () => {
        const list = [...selected].map(r => [r, company.value, inputs.get(r.id)[1].value.trim()]);
        if (!list.length) return toast('请先勾选订单', true);
        if (list.some(([, , n]) => !n)) return toast('勾选的订单都需要填写运单号', true);
        shipMany(list);
      } }, '批量发货'),
      h('button', { onclick: () => file.click() }, '导入运单号 CSV'), file,
      h('button', { onclick: () => packingList(selected.size ? [...selected] : rows) }, '打印发货单')),
    h('p', { class: 'muted', style: 'margin: 0 0 10px' }, 'CSV 每行：订单号,快递公司,运单号（快递公司可写中文名或编码，如 顺丰速运 或 shunfeng）'),
    table(columns, rows, '没有待发货的订单'));
}

function esc(s) {
  return String(s ?? '').replace(/[&<>"]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]));
}
