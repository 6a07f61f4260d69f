// 提现: to WeChat change or a bank card. A WeChat transfer that waits for
// the user (wait_user_confirm) is confirmed with wx.requestMerchantTransfer
// and the package_info the server got from WeChat Pay; the withdrawal's
// status follows over realtime.
const api = require('../../lib/api')
const config = require('../../config')
const realtime = require('../../lib/realtime')
const ui = require('../../lib/ui')
const { yuan, withdrawalStatus, date } = require('../../lib/format')

const row = (w) => Object.assign({}, w, {
  amountText: yuan(w.amount), statusText: withdrawalStatus[w.status] || w.status,
  channelText: w.channel === 'wechat' ? '微信零钱' : '银行卡', createdText: date(w.created),
})

// "12.3" → 1230 fen without floating-point surprises
function toFen(s) {
  const m = /^(\d+)(?:\.(\d{1,2}))?$/.exec(String(s || '').trim())
  return m ? Number(m[1]) * 100 + Number((m[2] || '0').padEnd(2, '0')) : NaN
}

Component({
  data: { balanceText: '', channel: 'wechat', amount: '', realName: '', name: '', bank: '', number: '', items: [], submitting: false, error: '' },
  methods: {
    onLoad() {
      if (ui.needSignIn()) return
      this.load()
      this.off = realtime.subscribe('withdrawals/*', (ev) => {
        if (!ev.record) return
        const others = this.data.items.filter((x) => x.id !== ev.record.id)
        this.setData({ items: [row(ev.record)].concat(others).sort((a, b) => (a.created < b.created ? 1 : -1)) })
        if (ev.record.status === 'wait_user_confirm') this.confirmTransfer({ currentTarget: { dataset: { id: ev.record.id } } })
      })
    },
    onUnload() { if (this.off) this.off() },
    onPullDownRefresh() { this.load() },
    async load() {
      try {
        const [wallet, list] = await Promise.all([
          api.get('/api/shop/wallet'),
          api.list('withdrawals', { sort: '-created', perPage: 30 }),
        ])
        this.setData({ balanceText: yuan(wallet.available), items: list.items.map(row) })
      } catch (e) { ui.showError(e) }
      wx.stopPullDownRefresh()
    },
    onChannel(e) { this.setData({ channel: e.detail.value }) },
    onInput(e) { this.setData({ [e.currentTarget.dataset.k]: e.detail.value }) },
    async submit() {
      const amount = toFen(this.data.amount)
      if (!(amount > 0)) return this.setData({ error: '请输入正确的金额，最多两位小数' })
      const d = this.data
      const account = d.channel === 'bank' ? { name: d.name, bank: d.bank, number: d.number } : { real_name: d.realName }
      this.setData({ submitting: true, error: '' })
      try {
        const w = await api.post('/api/shop/withdrawals', { amount, channel: d.channel, account })
        this.setData({ amount: '', items: [row(w)].concat(d.items.filter((x) => x.id !== w.id)) })
        ui.toast('提现申请已提交', 'success')
        this.load()
      } catch (e) {
        this.setData({ error: e.message })
      }
      this.setData({ submitting: false })
    },
    confirmTransfer(e) {
      const w = this.data.items.find((x) => x.id === e.currentTarget.dataset.id)
      if (!w || !w.package_info) return
      if (!wx.canIUse || !wx.canIUse('requestMerchantTransfer')) return ui.toast('请升级微信后确认收款')
      wx.requestMerchantTransfer({
        mchId: config.mchId,
        appId: config.appId,
        package: w.package_info,
        success: () => { ui.toast('已确认，等待到账', 'success'); setTimeout(() => this.load(), 1500) },
        fail: (err) => { if (!/cancel/.test((err && err.errMsg) || '')) ui.toast('确认收款失败，请重试') },
      })
    },
  },
})
