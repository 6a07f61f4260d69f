// PocketBase realtime in a mini-program: GET /api/realtime read as a chunked
// stream (wx.request enableChunked + onChunkReceived), the PB_CONNECT event's
// clientId posted back with the subscriptions, events dispatched per topic.
// Where chunked transfer is unavailable (base library before 2.20.1, some
// proxies) it falls back to polling the subscribed records.
//
//   const rt = require('./realtime')
//   const off = rt.subscribe('orders/*', (e) => console.log(e.action, e.record))
//
// A page that shows a record it read before subscribing passes onLive too:
// it is called once the subscription is in place (and again after a
// reconnect), so the page can read again what changed while no event
// could reach it.

const api = require('./api')
const { createDecoder } = require('./utf8')
const { createParser } = require('./sse')

const POLL_MS = 5000
// a stream that has not said PB_CONNECT within this time is not working
const CONNECT_TIMEOUT_MS = 8000

const handlers = {} // topic → [fn]
const liveFns = {} // topic → [onLive]
let announced = new Set() // onLive functions called since the stream (or polling) began
let task = null
let clientId = ''
let mode = '' // '' (stopped), 'stream', 'poll'
let retryMs = 1000
let timers = []
let pollState = {} // topic → last seen "updated" per record id
let lastPoll = 0
let onModeChange = null

function topics() {
  return Object.keys(handlers).filter((t) => handlers[t].length)
}

function dispatch(topic, payload) {
  ;(handlers[topic] || []).slice().forEach((fn) => {
    try { fn(payload) } catch (e) { console.error('realtime handler', e) }
  })
}

// subscribe listens to a topic ("collection/*" or "collection/RECORD_ID");
// onLive (optional) is called when the subscription is in place, see above.
// It returns the function that stops listening.
function subscribe(topic, fn, onLive) {
  ;(handlers[topic] = handlers[topic] || []).push(fn)
  if (onLive) (liveFns[topic] = liveFns[topic] || []).push(onLive)
  if (!mode) start()
  else sync()
  return () => {
    remove(handlers[topic], fn)
    remove(liveFns[topic], onLive)
    if (!topics().length) stop()
    else sync()
  }
}

function remove(list, fn) {
  if (list && list.indexOf(fn) >= 0) list.splice(list.indexOf(fn), 1)
}

// announce calls the onLive functions of topics not called yet since the
// stream (or polling) began.
function announce(list) {
  list.forEach((topic) => (liveFns[topic] || []).slice().forEach((fn) => {
    if (announced.has(fn)) return
    announced.add(fn)
    try { fn() } catch (e) { console.error('realtime onLive', e) }
  }))
}

function setMode(m) {
  mode = m
  if (onModeChange) onModeChange(m)
}

function chunkedSupported() {
  return !wx.canIUse || wx.canIUse('request.object.enableChunked')
}

function start() {
  if (!chunkedSupported()) return startPolling()
  setMode('stream')
  connect()
}

function connect() {
  clientId = ''
  // events may have been missed while the stream was down: tell again
  announced = new Set()
  const decode = createDecoder()
  const parse = createParser((ev) => {
    if (ev.event === 'PB_CONNECT') {
      clientId = JSON.parse(ev.data).clientId
      retryMs = 1000
      sync()
      return
    }
    let payload
    try { payload = JSON.parse(ev.data) } catch (e) { return }
    dispatch(ev.event, payload)
  })
  const t = wx.request({
    url: api.url('/api/realtime'),
    method: 'GET',
    enableChunked: true,
    responseType: 'arraybuffer',
    header: { Accept: 'text/event-stream' },
    // longer than the server's 5 idle minutes (wx.request gives up after
    // app.json's networkTimeout, 60 s by default)
    timeout: 6 * 60 * 1000,
    // the stream ends when the server drops idle clients (5 minutes) or the
    // network changes: connect again and subscribe again
    complete: () => {
      if (task !== t) return
      task = null
      if (mode === 'stream') later(connect, retryMs)
      retryMs = Math.min(retryMs * 2, 30000)
    },
  })
  task = t
  if (!t || typeof t.onChunkReceived !== 'function') {
    task = null
    if (t && t.abort) t.abort()
    return startPolling()
  }
  t.onChunkReceived((res) => parse(decode(res.data)))
  later(() => {
    if (task === t && !clientId) {
      task = null
      t.abort()
      startPolling()
    }
  }, CONNECT_TIMEOUT_MS)
}

// sync sends the current subscriptions for this client id (they replace the
// earlier ones) with the signed-in user's token.
function sync() {
  if (mode === 'poll') return poll()
  if (!clientId) return
  const id = clientId
  const list = topics()
  api.post('/api/realtime', { clientId, subscriptions: list }).then(() => {
    if (clientId === id) announce(list)
  }).catch((e) => {
    // a stale client id (the server restarted): reconnect
    if (e.status === 404 && task) task.abort()
  })
}

function later(fn, ms) {
  const id = setTimeout(() => {
    timers = timers.filter((x) => x !== id)
    fn()
  }, ms)
  timers.push(id)
}

function stop() {
  setMode('')
  timers.forEach(clearTimeout)
  timers = []
  const t = task
  task = null
  clientId = ''
  if (t) t.abort()
}

// ---------------------------------------------------------------- polling

function startPolling() {
  setMode('poll')
  announced = new Set()
  poll()
}

// poll reads each subscribed collection (or record) and reports records
// changed since the last look as "update" events ("create" for new ones).
async function poll() {
  if (mode !== 'poll') return
  await Promise.all(topics().map(pollTopic))
  lastPoll = Date.now()
  timers.forEach(clearTimeout)
  timers = []
  if (mode === 'poll') later(poll, POLL_MS)
}

async function pollTopic(topic) {
  const [collection, id] = topic.split('/')
  let records
  try {
    records = id === '*'
      ? (await api.list(collection, { sort: '-updated', perPage: 20 })).items
      : [await api.view(collection, id)]
  } catch (e) {
    return
  }
  const first = !pollState[topic]
  const seen = pollState[topic] || (pollState[topic] = {})
  records.forEach((r) => {
    const before = seen[r.id]
    seen[r.id] = r.updated
    if (!first && before !== r.updated) dispatch(topic, { action: before ? 'update' : 'create', record: r })
  })
  // the first look only learns what is there: from now on changes are seen
  if (first) announce([topic])
}

// resubscribe after sign-in and sign-out: the stream's rights are the
// token's of the subscription request
api.onAuthChange(() => {
  if (mode === 'stream' && task) {
    // only a guest → user upgrade is allowed on one client id
    task.abort()
  } else if (mode === 'poll') {
    pollState = {}
  }
})

module.exports = {
  subscribe,
  stop,
  get mode() { return mode },
  get clientId() { return clientId },
  get lastPoll() { return lastPoll },
  // for tests and the debug panel
  set onModeChange(fn) { onModeChange = fn },
}
