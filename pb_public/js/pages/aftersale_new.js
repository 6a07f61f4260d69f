// 申请售后: type, quantity, amount, reason and up to 6 photos for one line.
import { shop, pb } from '../api.js';
import { esc, yuan, img, busy, toast } from '../ui.js';
import { setTitle, go } from '../app.js';

export default async function (view, { query }) {
  setTitle('申请售后');
  const [order, item] = await Promise.all([pb.collection('orders').getOne(query.get('order')), pb.collection('order_items').getOne(query.get('item'))]);
  const shipped = order.status !== 'paid';
  const max = item.quantity - (item.returned_quantity || 0);
  const refundable = item.paid_amount - item.refunded_amount;
  view.innerHTML = `
    <section class="card oline">${img(item.image, item.title, 'limg')}<div class="grow"><div class="ltitle">${esc(item.title)}</div><div class="muted small">${esc(item.spec_text)} × ${item.quantity} · 实付 ${yuan(item.paid_amount)}</div></div></section>
    <form class="card stack" id="f">
      <div class="chips">
        <label class="chip"><input type="radio" name="type" value="refund" checked> 仅退款</label>
        ${shipped ? '<label class="chip"><input type="radio" name="type" value="return_refund"> 退货退款</label><label class="chip"><input type="radio" name="type" value="exchange"> 换货</label>' : ''}
      </div>
      <label>数量<input name="quantity" type="number" min="1" max="${max}" value="${max}"></label>
      <label>退款金额（元，最多 ${yuan(refundable, '')}）<input name="amount" inputmode="decimal" placeholder="不填按实付计算"></label>
      <label>原因<textarea name="reason" rows="3" maxlength="500" placeholder="请描述问题" required></textarea></label>
      <label>照片（最多 6 张）<input type="file" name="photos" accept="image/jpeg,image/png,image/webp" multiple></label>
      <button class="btn block">提交申请</button>
    </form>`;
  const f = view.querySelector('#f');
  f.onsubmit = (e) => {
    e.preventDefault();
    busy(f.querySelector('button'), async () => {
      const v = new FormData(f);
      if (!v.get('reason').trim()) { toast('请填写售后原因', 'error'); return; }
      const line = { order_item: item.id, quantity: Number(v.get('quantity')) || max };
      const amt = v.get('amount').trim();
      if (amt) line.amount = Math.round(Number(amt) * 100);
      const as = await shop('/aftersales', { method: 'POST', body: { order: order.id, type: v.get('type'), items: [line], reason: v.get('reason').trim() } });
      const photos = f.photos.files;
      if (photos.length) {
        const fd = new FormData();
        for (const p of [...photos].slice(0, 6)) fd.append('photos', p);
        await shop(`/aftersales/${as.id}/photos`, { method: 'POST', body: fd }).catch(() => toast('照片上传失败，可在售后详情重试', 'error'));
      }
      toast('售后申请已提交');
      go('#/as/' + as.id);
    });
  };
}
