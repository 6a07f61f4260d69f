// fenxiao mini-program: shop, orders and the distributor centre over the
// fenxiao server's API (config.js says where it runs).

const api = require('./lib/api')
const realtime = require('./lib/realtime')
const referral = require('./lib/referral')
const { yuan } = require('./lib/format')

// a toast for each new commission, wherever the distributor is in the app
let stopCommissions = null
function watchCommissions(user) {
  if (stopCommissions) stopCommissions()
  stopCommissions = null
  if (!user || !user.is_distributor) return
  stopCommissions = realtime.subscribe('commissions/*', (ev) => {
    if (ev.action === 'create' && ev.record) wx.showToast({ title: '新佣金 ' + yuan(ev.record.amount), icon: 'success' })
  })
}

App({
  globalData: {
    // resolves to the product a share card or code was about ('' if none)
    entry: Promise.resolve(''),
  },

  onLaunch() {
    api.onAuthChange(watchCommissions)
    api.refreshAuth().then(watchCommissions)
  },

  // onShow runs at launch too, and again whenever the user comes back
  // through another share card or code
  onShow(options) {
    this.globalData.entry = referral.capture(options || {}).catch(() => '')
  },
})
