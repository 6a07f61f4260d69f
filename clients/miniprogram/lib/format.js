// Display helpers. Money arrives from the server as integer fen and is only
// formatted here, never computed.

function yuan(fen) {
  const n = Number(fen || 0)
  const a = Math.abs(n)
  return (n < 0 ? '-' : '') + '¥' + Math.floor(a / 100) + '.' + String(a % 100).padStart(2, '0')
}

const orderStatus = {
  pending_payment: '待付款',
  paid: '待发货',
  shipped: '待收货',
  completed: '已完成',
  cancelled: '已取消',
  refunded: '已退款',
}

const commissionStatus = { frozen: '冻结中', settled: '已结算', cancelled: '已取消' }

const withdrawalStatus = {
  pending: '待审核',
  approved: '已通过',
  transferring: '转账中',
  wait_user_confirm: '待确认收款',
  paid: '已到账',
  rejected: '已拒绝',
  failed: '转账失败',
  closed: '已关闭',
}

const aftersaleStatus = {
  applied: '待审核',
  approved: '已同意',
  rejected: '已拒绝',
  returning: '退货中',
  received: '商家已收货',
  refunded: '已退款',
  reshipped: '已补发',
  closed: '已关闭',
}

// date shows a PocketBase UTC datetime ("2026-12-04 09:44:00.000Z") in
// China time (UTC+8, no daylight saving), whatever the phone's zone
function date(s) {
  if (!s) return ''
  const t = Date.parse(String(s).replace(' ', 'T'))
  if (isNaN(t)) return String(s).slice(0, 16)
  const d = new Date(t + 8 * 3600 * 1000)
  const p = (n) => String(n).padStart(2, '0')
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())}`
}

function maskPhone(p) {
  return p && p.length === 11 ? p.slice(0, 3) + '****' + p.slice(7) : p || ''
}

module.exports = { yuan, orderStatus, commissionStatus, withdrawalStatus, aftersaleStatus, date, maskPhone }
