// 地址编辑: region and phone checked before the server sees them.
import { pb, me } from '../api.js';
import { esc, busy } from '../ui.js';
import { setTitle, go } from '../app.js';

const provinces = ['北京', '天津', '上海', '重庆', '河北', '山西', '辽宁', '吉林', '黑龙江', '江苏', '浙江', '安徽', '福建', '江西', '山东', '河南',
  '湖北', '湖南', '广东', '海南', '四川', '贵州', '云南', '陕西', '甘肃', '青海', '台湾', '内蒙古', '广西', '西藏', '宁夏', '新疆', '香港', '澳门'];

export default async function (view, { id, query }) {
  const isNew = id === 'new';
  setTitle(isNew ? '新增收货地址' : '编辑收货地址');
  const a = isNew ? { is_default: true } : await pb.collection('addresses').getOne(id);
  const next = query.get('next') || '#/addresses';
  view.innerHTML = `
    <form class="card stack" id="f" novalidate>
      <label>收货人<input name="name" maxlength="32" value="${esc(a.name)}" placeholder="姓名" required></label>
      <label>手机号<input name="phone" type="tel" inputmode="numeric" maxlength="11" value="${esc(a.phone)}" placeholder="11 位手机号" required></label>
      <label>省份<select name="province" required><option value="">请选择</option>${provinces.map((p) => `<option ${p === a.province ? 'selected' : ''}>${p}</option>`).join('')}</select></label>
      <div class="row gap"><label>城市<input name="city" maxlength="32" value="${esc(a.city)}" placeholder="如 杭州市"></label>
      <label>区县<input name="district" maxlength="32" value="${esc(a.district)}" placeholder="如 西湖区"></label></div>
      <label>详细地址<textarea name="detail" maxlength="200" rows="2" placeholder="街道、门牌号" required>${esc(a.detail)}</textarea></label>
      <label class="check"><input type="checkbox" name="is_default" ${a.is_default ? 'checked' : ''}> 设为默认地址</label>
      <p class="error-text" id="msg" role="alert"></p>
      <button class="btn block">保存</button>
    </form>`;
  const f = view.querySelector('#f');
  f.onsubmit = (e) => {
    e.preventDefault();
    const v = Object.fromEntries(new FormData(f));
    const msg = view.querySelector('#msg');
    const bad = !v.name.trim() ? '请填写收货人' : !/^1[3-9]\d{9}$/.test(v.phone.trim()) ? '请填写正确的 11 位手机号'
      : !v.province ? '请选择省份' : !v.city.trim() ? '请填写城市' : v.detail.trim().length < 4 ? '请填写详细地址（至少 4 个字）' : '';
    msg.textContent = bad;
    if (bad) return;
    busy(f.querySelector('button'), async () => {
      const body = { name: v.name.trim(), phone: v.phone.trim(), province: v.province, city: v.city.trim(), district: v.district.trim(), detail: v.detail.trim(), is_default: !!v.is_default };
      let saved;
      if (isNew) saved = await pb.collection('addresses').create({ ...body, user: me().id });
      else saved = await pb.collection('addresses').update(id, body);
      // one default address: the others lose the flag
      if (body.is_default) {
        const others = await pb.collection('addresses').getFullList({ filter: pb.filter('is_default = true && id != {:id}', { id: saved.id }) });
        for (const o of others) await pb.collection('addresses').update(o.id, { is_default: false });
      }
      // saved from the picker of an order: back to that order with it
      const picker = next.startsWith('#/addresses?') ? new URLSearchParams(next.split('?')[1]) : null;
      const target = picker?.get('pick') ? picker.get('next') || '#/checkout' : next;
      go(target.startsWith('#/checkout') ? '#/checkout?address=' + saved.id : target);
    });
  };
}
