// The upline's phone (a worker thread): signs in with WeChat, takes a share
// link for the product, then keeps its distributor centre open with the
// realtime stream until a commission arrives; later it withdraws.
const { parentPort, workerData } = require('worker_threads')
const { setup, waitFor, assert } = require('./device')
const preview = require('./preview')

const say = (m) => parentPort.postMessage(m)

async function main() {
  const d = setup({ person: workerData.person })
  const { api, realtime } = d

  const me = await api.signInWithWeChat(null, '推广达人')
  assert(me.is_distributor, 'demo shop: every user is a distributor')
  const link = await api.get('/api/shop/share/link', { product: workerData.productId })
  assert(link.mp_path === 'pages/index/index?scene=' + link.code, 'mp_path opens the home page: ' + link.mp_path)

  // the poster page: the poster and the mini-program code saved to the album
  const promote = d.page('promote', { product: workerData.productId })
  await promote.loaded
  await promote.waitText('保存海报到相册')
  preview.snapshot(promote, 'promote')
  assert(promote.data.wxacodeURL.endsWith('/api/shop/share/wxacode/' + link.code + '.png'), 'wxacode url ' + promote.data.wxacodeURL)
  await promote.tap('.save-poster')
  await waitFor(() => d.wx.callsOf('saveImageToPhotosAlbum').length === 1, 10000, 'poster not saved')
  promote.instance.saveCode()
  await waitFor(() => d.wx.callsOf('saveImageToPhotosAlbum').length === 2, 10000, 'code not saved')
  const saved = d.wx.callsOf('saveImageToPhotosAlbum').map((c) => c.arg.image)
  assert(saved.every((kind) => kind === 'png' || kind === 'jpeg'), 'saved files are images: ' + saved)

  // the distributor centre, open and listening
  const centre = d.page('distributor', {})
  await centre.waitText('可提现余额')
  await waitFor(() => realtime.clientId, 10000, 'no PB_CONNECT on the chunked stream')
  say({ type: 'ready', inviteCode: me.invite_code, linkCode: link.code, token: api.token(), userId: me.id })

  parentPort.on('message', async (m) => {
    try {
      if (m.type === 'withdraw') await withdraw(d, m)
    } catch (e) {
      say({ type: 'error', error: e.stack || String(e) })
    }
  })

  await centre.waitText('新佣金', 30000)
  const latest = centre.data.latest
  preview.snapshot(centre, 'distributor')
  const toast = d.wx.callsOf('showToast').map((c) => c.arg.title).find((t) => t.startsWith('新佣金'))
  // the figures were read again after the event
  await centre.waitText('今日预估')
  // the commission list explains how the amount was computed
  const list = d.page('commissions', {})
  await list.waitText('一级佣金')
  await list.waitText('× 10.00%')
  await list.waitText('冻结中')
  preview.snapshot(list, 'commissions')
  say({ type: 'commission', latest, toast, mode: realtime.mode, text: centre.text() })
}

async function withdraw(d, m) {
  const page = d.page('withdraw', {})
  await page.waitText(m.balanceText)
  page.instance.onChannel({ detail: { value: 'bank' } })
  for (const [k, v] of Object.entries({ amount: '30.5', name: '推广达人', bank: '招商银行 杭州分行', number: '6225880012345678' })) {
    page.instance.onInput({ currentTarget: { dataset: { k } }, detail: { value: v } })
  }
  await page.tap('.submit')
  await page.waitText('待审核')
  await page.waitText('¥30.50')
  preview.snapshot(page, 'withdraw')
  say({ type: 'withdrawn', text: page.text(), snapshots: preview.taken() })
}

main().catch((e) => say({ type: 'error', error: e.stack || String(e) }))
