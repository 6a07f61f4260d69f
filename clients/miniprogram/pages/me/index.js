// 我的: WeChat sign-in (wx.login → the server's WeChat sign-in, carrying the
// sharer who brought the visitor), the phone number through WeChat's
// getPhoneNumber button, order shortcuts and the way to the distributor centre.
const api = require('../../lib/api')
const referral = require('../../lib/referral')
const ui = require('../../lib/ui')
const { maskPhone } = require('../../lib/format')

const shortcutDefs = [
  { value: 'pending_payment', label: '待付款' },
  { value: 'paid', label: '待发货' },
  { value: 'shipped', label: '待收货' },
  { value: 'completed', label: '已完成' },
]

Component({
  data: { user: null, upline: '', inviter: '', phoneText: '', shortcuts: shortcutDefs.map((s) => Object.assign({ count: 0 }, s)), unread: 0, busy: false, error: '' },
  methods: {
    onShow() { this.load() },
    async load() {
      const user = api.user()
      const p = referral.pending()
      this.setData({ user, inviter: p ? p.inviter : '', phoneText: user ? maskPhone(user.phone) : '' })
      if (!user) return
      try {
        const [me, ref, unread, ...counts] = await Promise.all([
          api.view('users', user.id),
          api.get('/api/shop/referral/me'),
          api.list('notifications', { filter: 'read = false', perPage: 1 }),
          ...shortcutDefs.map((s) => api.list('orders', { filter: 'status = ' + api.quote(s.value), perPage: 1 })),
        ])
        wx.setStorageSync('fx_user', me)
        this.setData({
          user: me, phoneText: maskPhone(me.phone),
          upline: ref.upline ? ref.upline.nickname || ref.upline.invite_code : '',
          unread: unread.totalItems,
          shortcuts: shortcutDefs.map((s, i) => Object.assign({ count: counts[i].totalItems }, s)),
        })
      } catch (e) {
        if (e.status !== 401) ui.showError(e)
        else this.setData({ user: null })
      }
    },
    async signIn() {
      this.setData({ busy: true, error: '' })
      try {
        // a new user is bound at sign-up; an existing one by the referral
        // module's sign-in listener
        await api.signInWithWeChat(referral.invitation())
        await this.load()
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ busy: false })
    },
    // e.detail.code is the one-time code of the getPhoneNumber button
    async onPhone(e) {
      if (!e.detail || !e.detail.code) return ui.toast('未授权手机号')
      try {
        const phone = await api.bindPhone(e.detail.code)
        this.setData({ user: Object.assign({}, this.data.user, { phone }), phoneText: maskPhone(phone) })
        ui.toast('手机号已绑定', 'success')
      } catch (err) { ui.showError(err) }
    },
    async apply() {
      try {
        await api.post('/api/shop/distributor/apply', {})
        ui.toast('申请已提交，请等待审核', 'success')
      } catch (e) { ui.showError(e) }
    },
    toOrders(e) { wx.navigateTo({ url: '/pages/orders/index?status=' + (e.currentTarget.dataset.s || '') }) },
    toNotifications() { wx.navigateTo({ url: '/pages/notifications/index' }) },
    toCoupons() { wx.navigateTo({ url: '/pages/mycoupons/index' }) },
    toDistributor() { wx.navigateTo({ url: '/pages/distributor/index' }) },
    signOut() {
      api.clearAuth()
      this.setData({ user: null })
    },
  },
})
