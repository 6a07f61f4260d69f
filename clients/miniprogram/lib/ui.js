// Small page helpers: error toasts, the sign-in gate, share paths.

const api = require('./api')

function toast(title, icon) {
  wx.showToast({ title: String(title).slice(0, 40), icon: icon || 'none', duration: 2000 })
}

function showError(e) {
  toast((e && e.message) || '出错了，请重试')
}

// needSignIn sends a visitor to 我的 to sign in; true when they must.
function needSignIn() {
  if (api.signedIn()) return false
  toast('请先登录')
  wx.switchTab({ url: '/pages/me/index' })
  return true
}

// sharePath adds the sharer's invite code and link scene to a page path, so
// whoever opens the card is counted and bound to the sharer.
function sharePath(path, query, link) {
  const q = Object.assign({}, query)
  const me = api.user()
  if (me && me.invite_code) {
    q.inviter = me.invite_code
    q.source = 'link'
  }
  if (link && link.code) q.scene = link.code
  const s = Object.keys(q).filter((k) => q[k]).map((k) => k + '=' + encodeURIComponent(q[k])).join('&')
  return path + (s ? '?' + s : '')
}

module.exports = { toast, showError, needSignIn, sharePath }
