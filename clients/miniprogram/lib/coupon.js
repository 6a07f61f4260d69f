// A coupon as a ticket: the big figure (¥10 or 9折), the terms and the
// validity, as the H5's coupon centre, 我的优惠券 and picker show them.
const { yuan } = require('./format')

// whole yuan read better without the .00: 满100 rather than 满100.00
function amt(fen) {
  const n = Number(fen || 0)
  return n % 100 ? yuan(n).slice(1) : String(n / 100)
}

function face(c) {
  if (c.kind === 'percent') {
    const z = (10000 - Number(c.rate_bp || 0)) / 1000
    return { big: String(Math.round(z * 10) / 10), unit: '折', pre: '' }
  }
  return { big: amt(c.off), unit: '', pre: '¥' }
}

function terms(c) {
  const t = [c.threshold ? `满${amt(c.threshold)}元可用` : '无门槛']
  if (c.kind === 'percent' && c.max_off) t.push(`最多减${amt(c.max_off)}元`)
  if (c.scope && c.scope !== 'all') t.push('指定商品可用')
  return t.join(' · ')
}

function validity(c) {
  const day = (s) => String(s || '').slice(0, 10)
  if (c.ends_at) return c.starts_at ? `${day(c.starts_at)} 至 ${day(c.ends_at)}` : `有效期至 ${day(c.ends_at)}`
  if (c.valid_days) return `领取后 ${c.valid_days} 天内有效`
  return ''
}

// ticket is what a page shows of a coupon template or a held coupon.
function ticket(c) {
  return Object.assign({}, c, { face: face(c), termsText: terms(c), validityText: validity(c) })
}

// option is a coupon as the cart offers it: what it takes off this cart,
// or why it cannot be used here.
function option(o) {
  return Object.assign({}, o, {
    amountText: o.usable ? yuan(o.amount) : '',
    why: o.usable ? '' : String(o.message || '').split(' / ')[0],
    validityText: validity(o),
  })
}

module.exports = { ticket, option, amt }
