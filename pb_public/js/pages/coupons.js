// 领券中心: the claimable coupons with 立即领取, 已领取 and 已抢光 states.
import { shop, signedIn } from '../api.js';
import { empty, busy, toast } from '../ui.js';
import { ticket } from '../coupon.js';
import { setTitle, loginFirst } from '../app.js';

export default async function (view) {
  setTitle('领券中心');
  async function render() {
    const { items } = await shop('/coupons/center');
    const side = (t) => {
      if (t.remaining === 0 && !t.held) return '<span class="cstate">已抢光</span>';
      if (t.can_claim === false && t.held) return '<span class="cstate">已领取</span>';
      if (t.can_claim === false) return '<span class="cstate">不可领取</span>';
      return `<button class="btn small claim" data-t="${t.id}">${t.held ? '再领一张' : '立即领取'}</button>`;
    };
    view.innerHTML = `
      <div class="toolbar"><span class="muted">领券下单更优惠</span>${signedIn() ? '<a class="link" href="#/coupons/mine">我的优惠券 ›</a>' : ''}</div>
      ${items.length ? items.map((t) => ticket(t, side(t), t.remaining === 0 && !t.held ? 'off' : '')).join('') : empty('暂时没有可领取的优惠券', '<a class="btn" href="#/">去逛逛</a>')}`;
    view.querySelectorAll('.claim').forEach((b) => (b.onclick = () => {
      if (!signedIn()) { loginFirst('#/coupons'); return; }
      busy(b, async () => {
        try {
          await shop('/coupons/claim', { method: 'POST', body: { template: b.dataset.t } });
          toast('领取成功，下单时自动使用');
        } finally { await render(); }
      });
    }));
  }
  await render();
}
