// A fake `wx` for Node whose network calls are real: request, uploadFile
// and downloadFile go over HTTP to the shop binary, and a request with
// enableChunked streams the response to onChunkReceived as ArrayBuffers
// (cut into small pieces, so events and UTF-8 characters straddle chunks).
// Everything a page does to WeChat itself (login, payment, toasts,
// navigation, album) is recorded in `calls` for the test to check.

const http = require('http')
const fs = require('fs')
const os = require('os')
const path = require('path')

function createWx(opts = {}) {
  const storage = new Map()
  const calls = []
  let loginSeq = 0
  const record = (name, arg) => calls.push({ name, arg })
  const done = (o, res) => {
    if (o && o.success) o.success(res)
    if (o && o.complete) o.complete(res)
  }

  const wx = {
    calls,
    person: opts.person || 'buyer',
    chunked: opts.chunked !== false,
    chunkSize: opts.chunkSize || 7,
    openStreams: new Set(),
    callsOf: (name) => calls.filter((c) => c.name === name),

    canIUse(what) {
      if (what === 'request.object.enableChunked') return wx.chunked
      return true
    },

    // ---------------------------------------------------------- storage
    getStorageSync: (k) => (storage.has(k) ? JSON.parse(storage.get(k)) : ''),
    setStorageSync: (k, v) => storage.set(k, JSON.stringify(v)),
    removeStorageSync: (k) => storage.delete(k),
    clearStorageSync: () => storage.clear(),

    // ---------------------------------------------------------- network
    // hold(method, path) → true keeps a request back until release(), as a
    // slow network would (a test makes something happen meanwhile)
    hold: null,
    held: [],
    release() {
      const list = wx.held
      wx.held = []
      wx.hold = null
      list.forEach((send) => send())
    },

    request(o) {
      const u = new URL(o.url)
      const method = (o.method || 'GET').toUpperCase()
      if (wx.hold && wx.hold(method, u.pathname)) {
        wx.held.push(() => wx.request(o))
        return { abort() {} }
      }
      const header = Object.assign({}, o.header)
      let body
      if (o.data !== undefined && method !== 'GET') {
        body = typeof o.data === 'string' ? o.data : JSON.stringify(o.data)
        header['Content-Type'] = header['Content-Type'] || 'application/json'
      }
      let chunkCb = null
      let aborted = false
      const req = http.request(u, { method, headers: header }, (res) => {
        if (o.enableChunked && wx.chunked) {
          wx.openStreams.add(req)
          res.on('data', (buf) => {
            for (let i = 0; i < buf.length; i += wx.chunkSize) {
              const piece = buf.subarray(i, i + wx.chunkSize)
              const ab = piece.buffer.slice(piece.byteOffset, piece.byteOffset + piece.length)
              if (chunkCb) chunkCb({ data: ab })
            }
          })
          res.on('end', () => {
            wx.openStreams.delete(req)
            if (!aborted) done(o, { statusCode: res.statusCode, data: new ArrayBuffer(0), header: res.headers })
          })
          res.on('error', () => {})
          return
        }
        const parts = []
        res.on('data', (b) => parts.push(b))
        res.on('end', () => {
          const raw = Buffer.concat(parts).toString('utf8')
          let data = raw
          if (o.dataType !== 'text') {
            try { data = JSON.parse(raw) } catch (e) { /* not JSON: the text */ }
          }
          done(o, { statusCode: res.statusCode, data, header: res.headers })
        })
      })
      req.on('error', (err) => {
        wx.openStreams.delete(req)
        const r = { errMsg: 'request:fail ' + (aborted ? 'abort' : err.message) }
        if (o.fail) o.fail(r)
        if (o.complete) o.complete(r)
      })
      if (body) req.write(body)
      req.end()
      const task = {
        abort() {
          aborted = true
          wx.openStreams.delete(req)
          req.destroy(new Error('abort'))
        },
      }
      if (wx.chunked) task.onChunkReceived = (cb) => { chunkCb = cb }
      return task
    },

    uploadFile(o) {
      const boundary = '----fxtest' + Date.now()
      const file = fs.readFileSync(o.filePath)
      const head = []
      Object.keys(o.formData || {}).forEach((k) => {
        head.push(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${o.formData[k]}\r\n`)
      })
      const type = /\.png$/i.test(o.filePath) ? 'image/png' : 'image/jpeg'
      head.push(`--${boundary}\r\nContent-Disposition: form-data; name="${o.name}"; filename="${path.basename(o.filePath)}"\r\nContent-Type: ${type}\r\n\r\n`)
      const payload = Buffer.concat([Buffer.from(head.join('')), file, Buffer.from(`\r\n--${boundary}--\r\n`)])
      const headers = Object.assign({}, o.header, { 'Content-Type': 'multipart/form-data; boundary=' + boundary, 'Content-Length': payload.length })
      const req = http.request(new URL(o.url), { method: 'POST', headers }, (res) => {
        const parts = []
        res.on('data', (b) => parts.push(b))
        res.on('end', () => done(o, { statusCode: res.statusCode, data: Buffer.concat(parts).toString('utf8') }))
      })
      req.on('error', (err) => o.fail && o.fail({ errMsg: 'uploadFile:fail ' + err.message }))
      req.end(payload)
    },

    downloadFile(o) {
      http.get(new URL(o.url), (res) => {
        const parts = []
        res.on('data', (b) => parts.push(b))
        res.on('end', () => {
          const p = path.join(os.tmpdir(), 'fxdl-' + Date.now() + '-' + Math.random().toString(36).slice(2))
          fs.writeFileSync(p, Buffer.concat(parts))
          record('downloadFile', { url: o.url, path: p, status: res.statusCode })
          done(o, { statusCode: res.statusCode, tempFilePath: p })
        })
      }).on('error', (err) => o.fail && o.fail({ errMsg: 'downloadFile:fail ' + err.message }))
    },

    // ---------------------------------------------------------- WeChat
    // codes the wxfake server understands: code-<person>-<n>
    login(o) {
      loginSeq++
      record('login', {})
      setTimeout(() => done(o, { code: `code-${wx.person}-${Date.now()}${loginSeq}` }), 0)
    },
    requestPayment(o) { record('requestPayment', o); setTimeout(() => done(o, { errMsg: 'requestPayment:ok' }), 0) },
    requestMerchantTransfer(o) { record('requestMerchantTransfer', o); setTimeout(() => done(o, { errMsg: 'requestMerchantTransfer:ok' }), 0) },
    chooseAddress(o) { record('chooseAddress', {}); setTimeout(() => done(o, opts.address), 0) },
    chooseMedia(o) {
      record('chooseMedia', o)
      setTimeout(() => done(o, { tempFiles: (opts.media || []).slice(0, o.count).map((p) => ({ tempFilePath: p, fileType: 'image' })) }), 0)
    },
    saveImageToPhotosAlbum(o) {
      const head = fs.readFileSync(o.filePath).subarray(0, 8)
      const png = head.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))
      const jpeg = head[0] === 0xff && head[1] === 0xd8
      record('saveImageToPhotosAlbum', { filePath: o.filePath, image: png ? 'png' : jpeg ? 'jpeg' : '' })
      setTimeout(() => done(o, {}), 0)
    },
    showModal(o) { record('showModal', o); setTimeout(() => done(o, { confirm: true, cancel: false }), 0) },
  }

  // the rest (toasts, navigation, titles...) is recorded and succeeds
  for (const name of ['showToast', 'showLoading', 'hideLoading', 'navigateTo', 'redirectTo', 'switchTab', 'navigateBack',
    'reLaunch', 'stopPullDownRefresh', 'setNavigationBarTitle', 'previewImage', 'setClipboardData', 'pageScrollTo', 'openSetting']) {
    wx[name] = (o) => { record(name, o); if (o && typeof o === 'object') setTimeout(() => done(o, {}), 0) }
  }
  return wx
}

module.exports = { createWx }
