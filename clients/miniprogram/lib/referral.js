// Referral entry: whatever page a visitor lands on from a share card
// (path?inviter=CODE&scene=LINK) or a mini-program code (scene=LINK, from
// getwxacodeunlimit), the visit is counted and the sharer is kept until the
// visitor signs in; then the upline is bound through the API. A visitor who
// is already signed in is bound at once.

const api = require('./api')

const KEY = 'fx_referral'
// launch scene ids of mini-program codes and QR codes (WeChat's 场景值)
const CODE_SCENES = [1047, 1048, 1049, 1011, 1012, 1013]
const linkCode = /^[A-Za-z0-9]{8}$/

function pending() {
  return wx.getStorageSync(KEY) || null
}

function save(p) {
  wx.setStorageSync(KEY, p)
}

function clear() {
  wx.removeStorageSync(KEY)
}

// capture reads the launch or show options ({path, query, scene}); it
// answers the product the share was about (or '') once the click is counted.
async function capture(options) {
  const query = (options && options.query) || {}
  // a mini-program code delivers its scene URL-encoded
  const scene = decodeURIComponent(query.scene || '')
  const inviter = (query.inviter || '').trim()
  if (!inviter && !linkCode.test(scene)) return ''
  const source = query.source || (CODE_SCENES.indexOf(options.scene) >= 0 ? 'qr' : 'link')
  const entry = { inviter, scene: linkCode.test(scene) ? scene : '', source, product: query.product || '', at: Date.now() }
  if (entry.scene) {
    try {
      const click = await api.post('/api/shop/track/click', { code: entry.scene })
      entry.inviter = entry.inviter || click.inviter
      entry.product = entry.product || click.product
    } catch (e) {
      // an unknown or mistyped link still lets the visitor shop
      if (!entry.inviter) return ''
      entry.scene = ''
    }
  }
  if (!entry.inviter) return entry.product
  save(entry)
  if (api.signedIn()) await bind()
  return entry.product
}

// invitation is what sign-in sends so that a new user is bound at sign-up.
function invitation() {
  const p = pending()
  return p ? { inviter: p.inviter, source: p.source, scene: p.scene } : null
}

// bind binds the signed-in user to the kept sharer. The kept entry is
// dropped once the server has decided, bound or not (already bound, own
// code, binding mode): retrying would not change the answer.
async function bind() {
  const p = pending()
  if (!p || !api.signedIn()) return null
  const me = api.user()
  if (me && me.invite_code && me.invite_code === p.inviter) {
    clear()
    return null
  }
  try {
    const res = await api.post('/api/shop/referral/bind', { code: p.inviter, source: p.source, scene: p.scene })
    clear()
    return res
  } catch (e) {
    if (e.status > 0 && e.status < 500 && e.status !== 429) clear()
    return null
  }
}

// signed-in later: bind then
api.onAuthChange((record) => {
  if (record) bind()
})

module.exports = { capture, invitation, bind, pending, clear }
