// The one PocketBase client of the storefront, the shop routes over it and
// the translation of every API error into a Chinese sentence.
import PocketBase from './vendor/pocketbase.es.mjs';

export const pb = new PocketBase(location.origin);
// pages may load the same list twice (a re-render while one is in flight);
// both answers are wanted
pb.autoCancellation(false);

// shop sends a request to a /api/shop route; body is JSON or FormData.
export function shop(path, { method = 'GET', body, query } = {}) {
  return pb.send('/api/shop' + path, { method, body, query });
}

export const me = () => pb.authStore.record;
export const signedIn = () => pb.authStore.isValid && !!pb.authStore.record;

// info is GET /api/shop/info, loaded once: payment methods, sandbox flag,
// withdrawal and distribution rules.
let infoPromise;
export function info() {
  infoPromise ??= shop('/info').catch(() => ({ payment_methods: [], sandbox: false, distribution: {}, withdraw: {} }));
  return infoPromise;
}

const fieldNames = {
  phone: '手机号', code: '验证码', email: '邮箱', password: '密码', passwordConfirm: '确认密码',
  nickname: '昵称', name: '收货人', province: '省份', city: '城市', district: '区县', detail: '详细地址',
  amount: '金额', account: '收款账户', channel: '提现方式', address: '收货地址', reason: '原因',
  note: '备注', quantity: '数量', inviter: '邀请码', avatar: '头像', items: '商品', identity: '账号',
};

const fieldCodes = {
  validation_required: '不能为空',
  validation_not_unique: '已被注册',
  validation_invalid_email: '格式不正确',
  validation_is_email: '格式不正确',
  validation_match_invalid: '格式不正确',
  validation_length_out_of_range: '长度不符合要求',
  validation_min_text_constraint: '太短',
  validation_max_text_constraint: '太长',
  validation_values_mismatch: '两次输入不一致',
  validation_length_too_short: '太短',
};

const byStatus = {
  400: '提交的内容有误，请检查后重试',
  401: '登录已过期，请重新登录',
  403: '没有权限进行此操作',
  404: '内容不存在或已下架',
  409: '操作冲突，请刷新后重试',
  429: '操作太频繁，请稍后再试',
  503: '服务暂时不可用，请稍后再试',
};

const hasChinese = (s) => /[\u4e00-\u9fff]/.test(s || '');

// chinese keeps the Chinese half of our "中文 / English" messages.
function chinese(msg) {
  if (!msg) return '';
  const i = msg.indexOf(' / ');
  const zh = i > 0 ? msg.slice(0, i) : msg;
  return hasChinese(zh) ? zh : '';
}

// errorText turns any failure (API error, offline, bug) into one Chinese
// sentence for the user.
export function errorText(err) {
  if (!err) return '';
  if (err.isAbort) return '';
  if (!err.response && hasChinese(err.message)) return err.message;
  // fetch and module loads fail with a TypeError when the network is gone
  if (err.status === 0 || err.originalError instanceof TypeError || err instanceof TypeError) {
    return navigator.onLine ? '无法连接商城服务器，请稍后重试' : '网络已断开，请检查网络后重试';
  }
  const res = err.response || {};
  const data = res.data || {};
  if (data.error && chinese(data.error.message)) return chinese(data.error.message);
  for (const [field, fe] of Object.entries(data)) {
    if (!fe || typeof fe !== 'object') continue;
    if (chinese(fe.message)) return chinese(fe.message);
    const what = fieldNames[field] || '';
    if (fieldCodes[fe.code]) return (what || '内容') + fieldCodes[fe.code];
  }
  if (chinese(res.message)) return chinese(res.message);
  if (err.status === 400 && /authenticate/i.test(res.message || '')) return '账号或密码不正确';
  return byStatus[err.status] || (err.status >= 500 ? '服务器开小差了，请稍后重试' : (err.message && hasChinese(err.message) ? err.message : '操作失败，请重试'));
}

export function errorCode(err) {
  const data = err?.response?.data || {};
  if (data.error?.code) return data.error.code;
  for (const fe of Object.values(data)) if (fe?.code) return fe.code;
  return '';
}

// thumb is a PocketBase thumb URL of a record's file.
export function thumb(record, file, size = '400x400') {
  return file ? pb.files.getURL(record, file, { thumb: size }) : '';
}
