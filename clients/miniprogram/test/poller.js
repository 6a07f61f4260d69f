// A phone whose base library cannot read chunked responses: realtime falls
// back to polling, and the buyer's order list still follows the order.
const { parentPort, workerData } = require('worker_threads')
const { setup, waitFor, assert } = require('./device')

const say = (m) => parentPort.postMessage(m)

async function main() {
  const d = setup({ person: 'poller', chunked: false })
  d.api.setAuth(workerData.token, workerData.record)
  const orders = d.page('orders', {})
  await orders.waitText(workerData.orderNo)
  assert(d.realtime.mode === 'poll', 'realtime mode ' + d.realtime.mode)
  const status = () => (orders.$('.order .status') || { dom: { textContent: '' } }).dom.textContent
  assert(status() === '待收货', 'shipped order shows ' + status())
  // the first look records what is there; changes after it are events
  await waitFor(() => d.realtime.lastPoll > 0, 10000, 'never polled')
  say({ type: 'ready' })
  await waitFor(() => status() === '已完成', 20000, 'completed order shows ' + status())
  say({ type: 'updated', mode: d.realtime.mode, text: orders.text() })
  d.realtime.stop()
}

main().catch((e) => say({ type: 'error', error: e.stack || String(e) }))
