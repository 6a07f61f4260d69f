// 售后进度: status steps, the admin's note, return tracking when a return
// is approved, photos, and 撤销申请.
import { shop, pb } from '../api.js';
import { esc, yuan, carrierName, aftersaleStatus, aftersaleType, fmtTime, busy, confirmBox, toast } from '../ui.js';
import { setTitle } from '../app.js';

const steps = { refund: ['applied', 'approved', 'refunded'], return_refund: ['applied', 'approved', 'returning', 'received', 'refunded'], exchange: ['applied', 'approved', 'returning', 'received', 'reshipped'] };

export default async function (view, { id }, { isCurrent } = { isCurrent: () => true }) {
  setTitle('售后详情');
  let shown = ''; // the after-sale's "updated" on the page
  async function render() {
    const a = await pb.collection('aftersales').getOne(id);
    let photos = [];
    if ((a.photos || []).length) {
      const token = await pb.files.getToken().catch(() => '');
      photos = a.photos.map((p) => pb.files.getURL(a, p, { thumb: '200x200', token }));
    }
    const flow = steps[a.type] || steps.refund;
    const at = flow.indexOf(a.status);
    // an update that lands after the buyer left must not paint over the next page
    if (!isCurrent()) return;
    shown = a.updated;
    view.innerHTML = `
      <section class="status-banner"><b>${aftersaleStatus[a.status] || a.status}</b><p>${aftersaleType[a.type] || ''} · 申请 ${yuan(a.amount_requested)}${a.amount_approved ? ` · 同意 ${yuan(a.amount_approved)}` : ''}</p></section>
      ${at >= 0 ? `<ol class="steps">${flow.map((s, i) => `<li class="${i <= at ? 'done' : ''}">${aftersaleStatus[s]}</li>`).join('')}</ol>` : ''}
      <section class="card small kv">
        <div class="row"><span class="muted">原因</span><span>${esc(a.reason)}</span></div>
        ${a.admin_note ? `<div class="row"><span class="muted">商家说明</span><span>${esc(a.admin_note)}</span></div>` : ''}
        ${a.return_no ? `<div class="row"><span class="muted">退货物流</span><span>${esc(carrierName[a.return_company] || a.return_company)} ${esc(a.return_no)}</span></div>` : ''}
        ${a.reship_no ? `<div class="row"><span class="muted">换货物流</span><span>${esc(carrierName[a.reship_company] || a.reship_company)} ${esc(a.reship_no)}</span></div>` : ''}
        <div class="row"><span class="muted">申请时间</span><span>${fmtTime(a.created)}</span></div>
        <div class="row"><span class="muted">订单</span><a class="link" href="#/o/${esc(a.order)}">查看订单 ›</a></div>
      </section>
      ${photos.length ? `<section class="card photos">${photos.map((u) => `<img src="${esc(u)}" alt="凭证" loading="lazy">`).join('')}</section>` : ''}
      ${a.status === 'approved' && a.type !== 'refund' ? `<form class="card stack" id="ret"><h3>填写退货物流</h3>
        <input name="return_company" placeholder="快递公司，如 顺丰" required><input name="return_no" placeholder="快递单号" required><button class="btn block">提交</button></form>` : ''}
      ${['applied', 'approved'].includes(a.status) ? '<div class="bottom-bar"><span class="grow"></span><button class="btn ghost" id="close">撤销申请</button></div>' : ''}`;
    view.querySelector('#ret')?.addEventListener('submit', (e) => {
      e.preventDefault();
      busy(e.target.querySelector('button'), async () => {
        await shop(`/aftersales/${id}/return`, { method: 'POST', body: Object.fromEntries(new FormData(e.target)) });
        toast('已提交退货物流'); await render();
      });
    });
    view.querySelector('#close')?.addEventListener('click', async (e) => {
      if (!(await confirmBox('撤销这个售后申请？', '撤销'))) return;
      await busy(e.target, async () => { await shop(`/aftersales/${id}/close`, { method: 'POST' }); toast('已撤销'); await render(); });
    });
  }
  await render();
  const off = await pb.collection('aftersales').subscribe(id, () => render().catch(() => {})).catch(() => null);
  // a change made while the subscription was being set up sent this page no
  // event: look once more now that it is live, and paint only if it changed
  if (off) {
    const now = await pb.collection('aftersales').getOne(id, { fields: 'updated' }).catch(() => null);
    if (now && now.updated !== shown) await render().catch(() => {});
  }
  return () => off?.();
}
