// One phone running the mini-program in Node: a jsdom document for
// miniprogram-simulate, the fake wx (real HTTP to BASE_URL) as the global
// `wx`, the app's modules pointed at the shop, and helpers to render pages
// and wait for what they show. Each worker thread is one more phone.

const path = require('path')
const http = require('http')
const { JSDOM } = require('jsdom')
const { createWx } = require('./fakewx')

const ROOT = path.join(__dirname, '..')
const BASE_URL = process.env.BASE_URL

function setup(opts = {}) {
  const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>', { pretendToBeVisual: true })
  global.window = dom.window
  global.document = dom.window.document
  // Node has its own Event and CustomEvent: the DOM's must win
  for (const k of ['Element', 'Node', 'HTMLElement', 'CustomEvent', 'Event', 'getComputedStyle']) global[k] = dom.window[k]
  const wx = createWx(opts)
  global.wx = wx
  require(path.join(ROOT, 'config')).baseURL = BASE_URL
  const simulate = require('miniprogram-simulate')
  // simulate merges its own API mocks under ours
  global.wx = Object.assign(wx, Object.fromEntries(Object.entries(global.wx || {}).filter(([k]) => !(k in wx))))

  let app = null
  global.App = (def) => { app = def }
  global.getApp = () => app
  require(path.join(ROOT, 'app'))
  app.onLaunch.call(app)

  function page(name, query) {
    const id = simulate.load(path.join(ROOT, 'pages', name, 'index'), { compiler: 'simulate' })
    const comp = simulate.render(id)
    comp.attach(document.createElement('parent-wrapper'))
    const p = {
      comp,
      get instance() { return comp.instance },
      get data() { return comp.instance.data },
      text: () => comp.dom.textContent.replace(/\s+/g, ' ').trim(),
      html: () => comp.dom.innerHTML,
      $: (sel) => comp.querySelector(sel),
      $$: (sel) => comp.querySelectorAll(sel),
      // j-component delivers events on a later tick
      async tap(sel) {
        const el = comp.querySelector(sel)
        if (!el) throw new Error(`${name}: nothing matches ${sel}`)
        el.dispatchEvent('tap')
        await new Promise((r) => setTimeout(r, 20))
      },
      async waitText(s, ms) {
        await waitFor(() => p.text().includes(s), ms || 10000, () => `${name} never showed "${s}"; it shows: ${p.text().slice(0, 400)}`)
      },
    }
    if (query !== undefined && comp.instance.onLoad) p.loaded = comp.instance.onLoad(query)
    return p
  }

  return { wx, app, page, api: require(path.join(ROOT, 'lib/api')), realtime: require(path.join(ROOT, 'lib/realtime')), referral: require(path.join(ROOT, 'lib/referral')) }
}

async function waitFor(fn, ms = 10000, what) {
  const end = Date.now() + ms
  for (;;) {
    const v = await fn()
    if (v) return v
    if (Date.now() > end) throw new Error(typeof what === 'function' ? what() : what || 'timed out')
    await new Promise((r) => setTimeout(r, 50))
  }
}

// raw is plain HTTP to the shop for the test's own checks and admin steps.
function raw(method, p, body, token, headers) {
  return new Promise((resolve, reject) => {
    const h = Object.assign({}, headers)
    let payload = body
    if (body !== undefined && !Buffer.isBuffer(body)) {
      payload = JSON.stringify(body)
      h['Content-Type'] = 'application/json'
    }
    if (token) h.Authorization = token
    const req = http.request(new URL(BASE_URL + p), { method, headers: h }, (res) => {
      const parts = []
      res.on('data', (b) => parts.push(b))
      res.on('end', () => {
        const text = Buffer.concat(parts).toString('utf8')
        let data = text
        try { data = JSON.parse(text) } catch (e) { /* not JSON */ }
        if (res.statusCode >= 300) reject(new Error(`${method} ${p}: ${res.statusCode} ${text.slice(0, 300)}`))
        else resolve(data)
      })
    })
    req.on('error', reject)
    req.end(payload)
  })
}

function assert(cond, msg) {
  if (!cond) throw new Error('assertion failed: ' + msg)
}

module.exports = { setup, waitFor, raw, assert, ROOT }
