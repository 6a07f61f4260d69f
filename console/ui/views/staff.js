// Staff management, for owners and superusers: who works in the console,
// with which role and what it lets them do; add a member, change a role,
// disable or enable. The server refuses an owner demoting or disabling
// themselves, so their own row offers no such buttons either.
import { api, h, when, table, toast, errorText } from '../lib.js';

export const roleNames = { owner: '店主', operations: '运营', warehouse: '仓库', finance: '财务', support: '客服', custom: '自定义' };

// permission checkboxes for a custom role; returns the box and a getter
function permissionPicker(all, ticked = []) {
  const boxes = all.map(p => h('label', { class: 'perm' },
    h('input', { type: 'checkbox', value: p.code, checked: ticked.includes(p.code) }), p.label));
  const el = h('div', { class: 'perms', hidden: true }, boxes);
  return { el, get: () => boxes.map(b => b.firstChild).filter(i => i.checked).map(i => i.value) };
}

function roleSelect(roles, value) {
  return h('select', { name: 'role' }, roles.map(r => h('option', { value: r, selected: r === value }, roleNames[r] || r)));
}

export default async function staff(el) {
  const show = async () => {
    const data = await api.get('/api/shop/admin/staff');
    const labels = Object.fromEntries(data.permissions.map(p => [p.code, p.label]));
    el.replaceChildren(addForm(data, show), list(data, labels, show));
  };
  await show();
}

function addForm(data, done) {
  const email = h('input', { name: 'email', type: 'email', placeholder: '邮箱（登录用）', autocomplete: 'off' });
  const password = h('input', { name: 'password', type: 'password', placeholder: '初始密码，至少 10 位', autocomplete: 'new-password' });
  const name = h('input', { name: 'name', placeholder: '姓名' });
  const role = roleSelect(data.roles, 'warehouse');
  const picker = permissionPicker(data.permissions);
  role.addEventListener('change', () => { picker.el.hidden = role.value !== 'custom'; });
  const error = h('p', { class: 'form-error', role: 'alert' });
  const submit = h('button', { class: 'primary', type: 'submit' }, '添加员工');
  return h('form', { class: 'panel staff-add', onsubmit: async (ev) => {
    ev.preventDefault();
    error.textContent = '';
    submit.disabled = true;
    try {
      const m = await api.post('/api/shop/admin/staff', {
        email: email.value.trim(), password: password.value, name: name.value.trim(),
        role: role.value, permissions: role.value === 'custom' ? picker.get() : [],
      });
      toast(`已添加员工 ${m.name}（${roleNames[m.role]}）`);
      await done();
    } catch (err) {
      error.textContent = errorText(err);
      submit.disabled = false;
    }
  } },
    h('h3', {}, '添加员工'),
    h('div', { class: 'form-line' }, email, password, name, role, submit),
    picker.el,
    error,
    h('p', { class: 'muted sub' }, '员工用邮箱和密码在本页登录（选“员工登录”），只能做所属角色允许的操作；停用后立即无法登录和操作。'));
}

function list(data, labels, done) {
  const act = async (b, call, ok) => {
    b.disabled = true;
    try {
      await call();
      toast(ok);
      await done();
    } catch (err) {
      toast(errorText(err), true);
      b.disabled = false;
    }
  };
  return h('div', {},
    h('div', { class: 'section-title' }, `共 ${data.items.length} 名员工`),
    table([
      { title: '员工', cell: m => [h('div', {}, m.name, m.id === data.me ? h('span', { class: 'tag info', style: 'margin-left: 6px' }, '我') : ''), h('div', { class: 'sub' }, m.email)] },
      { title: '角色', cell: m => h('span', { class: 'tag ' + (m.role === 'owner' ? 'warn' : 'info') }, roleNames[m.role] || m.role) },
      { title: '权限', cell: m => m.role === 'owner'
        ? h('span', { class: 'muted' }, '全部权限，并可管理员工')
        : (m.permissions.length ? h('div', { class: 'perm-list' }, m.permissions.map(p => h('span', { class: 'tag' }, labels[p] || p))) : h('span', { class: 'muted' }, '无')) },
      { title: '状态', cell: m => h('span', { class: 'tag ' + (m.active ? 'ok' : 'bad') }, m.active ? '正常' : '已停用') },
      { title: '添加时间', cell: m => when(m.created) },
      { title: '', cell: m => {
        if (m.id === data.me) return h('span', { class: 'muted sub' }, '不能修改自己');
        const role = roleSelect(data.roles, m.role);
        const picker = permissionPicker(data.permissions, m.custom);
        picker.el.hidden = m.role !== 'custom';
        role.addEventListener('change', () => { picker.el.hidden = role.value !== 'custom'; });
        const save = h('button', { class: 'small', onclick: () => act(save,
          () => api.post(`/api/shop/admin/staff/${m.id}/role`, { role: role.value, permissions: role.value === 'custom' ? picker.get() : [] }),
          `${m.name} 的角色已改为${roleNames[role.value]}`) }, '修改角色');
        const toggle = h('button', { class: 'small', onclick: () => {
          if (m.active && !confirm(`停用 ${m.name}？停用后对方立即无法登录和操作。`)) return;
          act(toggle, () => api.post(`/api/shop/admin/staff/${m.id}/${m.active ? 'disable' : 'enable'}`), m.active ? `已停用 ${m.name}` : `已启用 ${m.name}`);
        } }, m.active ? '停用' : '启用');
        return [h('div', { class: 'row-actions' }, role, save, toggle), picker.el];
      } },
    ], data.items, '还没有员工'));
}
