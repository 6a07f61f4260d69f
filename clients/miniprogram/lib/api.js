// The shop API over wx.request: the signed-in user's token in storage, the
// shop's error shape turned into one readable Chinese message, idempotent
// GETs retried, file URLs with thumbs. (The PocketBase JS SDK needs fetch,
// which mini-programs do not have.)

const config = require('../config')
const { base64UrlDecode } = require('./utf8')

const TOKEN_KEY = 'fx_token'
const USER_KEY = 'fx_user'

// messages by HTTP status when the body has no readable Chinese one
const statusMessages = {
  0: '网络连接失败，请检查网络后重试',
  400: '提交的信息有误，请检查后重试',
  401: '请先登录',
  403: '没有权限进行此操作',
  404: '内容不存在或已下架',
  409: '状态已变化，请刷新后重试',
  413: '文件太大了',
  429: '操作太频繁，请稍后再试',
  500: '服务器开小差了，请稍后再试',
}

// PocketBase's own field validation codes (their messages are English)
const validationMessages = {
  validation_required: '不能为空',
  validation_invalid_format: '格式不正确',
  validation_not_unique: '已被使用',
  validation_length_out_of_range: '长度不符合要求',
  validation_max_text_constraint: '太长了',
  validation_min_text_constraint: '太短了',
  validation_invalid_email: '邮箱格式不正确',
  validation_nil_or_not_empty_required: '不能为空',
}

const fieldNames = {
  name: '收货人', phone: '手机号', province: '省份', city: '城市', district: '区县', detail: '详细地址',
  amount: '金额', code: '验证码', reason: '原因', quantity: '数量', note: '备注', nickname: '昵称',
}

const hasChinese = (s) => /[\u4e00-\u9fff]/.test(s || '')

// the Chinese half of our bilingual messages ("中文 / English")
function chinesePart(s) {
  return String(s || '').split(' / ')[0].replace(/[.。]$/, '')
}

class ApiError extends Error {
  constructor(message, status, code, data) {
    super(message)
    this.status = status
    this.code = code || ''
    this.data = data
  }
}

// errorFrom reads PocketBase's error body
// {"status","message","data":{"error":{"code","message"}} | {"<field>":{"code","message"}}}.
function errorFrom(status, body) {
  let code = ''
  let message = ''
  const data = body && typeof body === 'object' ? body.data || {} : {}
  if (data.error && data.error.message) {
    code = data.error.code
    message = chinesePart(data.error.message)
  } else {
    const field = Object.keys(data).find((k) => data[k] && data[k].code)
    if (field) {
      code = data[field].code
      const m = data[field].message
      message = hasChinese(m) ? chinesePart(m) : (fieldNames[field] || field) + (validationMessages[code] || '填写有误')
    }
  }
  if (!message && body && hasChinese(body.message)) message = chinesePart(body.message)
  if (!message) message = statusMessages[status] || (status >= 500 ? statusMessages[500] : statusMessages[400])
  return new ApiError(message, status, code, body)
}

// ---------------------------------------------------------------- auth

const listeners = []

function token() {
  return wx.getStorageSync(TOKEN_KEY) || ''
}

function user() {
  return wx.getStorageSync(USER_KEY) || null
}

function setAuth(tok, record) {
  wx.setStorageSync(TOKEN_KEY, tok)
  wx.setStorageSync(USER_KEY, record)
  listeners.forEach((fn) => fn(record))
}

function clearAuth() {
  if (!token()) return
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(USER_KEY)
  listeners.forEach((fn) => fn(null))
}

// onAuthChange calls fn(record|null) after every sign-in and sign-out.
function onAuthChange(fn) {
  listeners.push(fn)
  return () => listeners.splice(listeners.indexOf(fn), 1)
}

// tokenExpiry is the token's exp claim in seconds (0 when unreadable).
function tokenExpiry(tok) {
  try {
    return JSON.parse(base64UrlDecode(tok.split('.')[1])).exp || 0
  } catch (e) {
    return 0
  }
}

// ---------------------------------------------------------------- requests

function url(path, query) {
  let u = /^https?:/.test(path) ? path : config.baseURL + path
  const q = Object.keys(query || {})
    .filter((k) => query[k] !== undefined && query[k] !== null && query[k] !== '')
    .map((k) => encodeURIComponent(k) + '=' + encodeURIComponent(query[k]))
  if (q.length) u += (u.includes('?') ? '&' : '?') + q.join('&')
  return u
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms))

// request sends one API call and resolves with the JSON body. GETs are
// retried twice on network errors, 429 and 5xx; writes never are (an order
// must not be placed twice).
async function request(method, path, { query, data, retries } = {}) {
  const left = retries === undefined ? (method === 'GET' ? 2 : 0) : retries
  for (let attempt = 0; ; attempt++) {
    const res = await send(method, path, query, data)
    const retriable = res.statusCode === 0 || res.statusCode === 429 || res.statusCode >= 500
    if (retriable && attempt < left) {
      await sleep(400 * Math.pow(3, attempt))
      continue
    }
    if (res.statusCode >= 200 && res.statusCode < 300) return res.data
    if (res.statusCode === 401 && token()) clearAuth()
    throw errorFrom(res.statusCode, res.data)
  }
}

function send(method, path, query, data) {
  return new Promise((resolve) => {
    const header = { 'Content-Type': 'application/json' }
    const tok = token()
    if (tok) header.Authorization = tok
    wx.request({
      url: url(path, query),
      method,
      data: data === undefined ? undefined : data,
      header,
      dataType: 'json',
      success: (res) => resolve({ statusCode: res.statusCode, data: res.data }),
      fail: () => resolve({ statusCode: 0, data: null }),
    })
  })
}

const get = (path, query) => request('GET', path, { query })
const post = (path, data) => request('POST', path, { data: data || {} })
const patch = (path, data) => request('PATCH', path, { data })
const del = (path) => request('DELETE', path)

// list reads a collection through PocketBase's records API.
function list(collection, { filter, sort, page, perPage, expand } = {}) {
  return get(`/api/collections/${collection}/records`, { filter, sort, page, perPage: perPage || 20, expand })
}

function view(collection, id, query) {
  return get(`/api/collections/${collection}/records/${encodeURIComponent(id)}`, query)
}

// filterValue quotes a value for a PocketBase filter.
function quote(v) {
  return "'" + String(v).replace(/\\/g, '\\\\').replace(/'/g, "\\'") + "'"
}

// upload sends one local file (wx.chooseMedia's tempFilePath) as multipart.
function upload(path, filePath, name, formData) {
  return new Promise((resolve, reject) => {
    wx.uploadFile({
      url: url(path),
      filePath,
      name,
      formData: formData || {},
      header: token() ? { Authorization: token() } : {},
      success(res) {
        let body = res.data
        try { body = JSON.parse(res.data) } catch (e) { /* not JSON */ }
        if (res.statusCode >= 200 && res.statusCode < 300) resolve(body)
        else reject(errorFrom(res.statusCode, body))
      },
      fail: () => reject(errorFrom(0, null)),
    })
  })
}

// fileURL is the URL of a record's file; thumb like '400x400' asks for a
// thumbnail of an image field that declares it.
function fileURL(record, filename, thumb, fileToken) {
  if (!record || !filename) return ''
  const col = record.collectionId || record.collectionName
  return url(`/api/files/${col}/${record.id}/${encodeURIComponent(filename)}`, { thumb, token: fileToken })
}

// absolute turns a server-relative URL ("/api/files/…") into a full one.
function absolute(u) {
  return !u ? '' : /^https?:/.test(u) ? u : config.baseURL + u
}

// ---------------------------------------------------------------- sign-in

function wxLogin() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (r) => (r.code ? resolve(r.code) : reject(new ApiError('微信登录失败，请重试', 0, 'wx_login'))),
      fail: () => reject(new ApiError('微信登录失败，请重试', 0, 'wx_login')),
    })
  })
}

// signInWithWeChat signs in (or up) with a wx.login code; invitation
// {inviter, source, scene} binds a new user to the sharer.
async function signInWithWeChat(invitation, nickname) {
  const code = await wxLogin()
  const body = { code, nickname }
  if (invitation && invitation.inviter) {
    body.inviter = invitation.inviter
    body.inviter_source = invitation.source || 'link'
    body.inviter_scene = invitation.scene || ''
  }
  let res
  try {
    res = await post('/api/shop/auth/wechat', body)
  } catch (e) {
    // an unknown inviter is refused before the code is used: sign in without it
    if (e.code !== 'invite_code_unknown') throw e
    delete body.inviter
    delete body.inviter_source
    delete body.inviter_scene
    res = await post('/api/shop/auth/wechat', body)
  }
  setAuth(res.token, res.record)
  return res.record
}

// refreshAuth renews a token that expires within a week.
async function refreshAuth() {
  const tok = token()
  if (!tok) return null
  const exp = tokenExpiry(tok)
  if (exp && exp * 1000 - Date.now() > 7 * 24 * 3600 * 1000) return user()
  try {
    const res = await post('/api/collections/users/auth-refresh')
    setAuth(res.token, res.record)
    return res.record
  } catch (e) {
    if (e.status === 401 || e.status === 403 || e.status === 404) clearAuth()
    return null
  }
}

// bindPhone stores the number of a getPhoneNumber button (its e.detail.code).
async function bindPhone(code) {
  const res = await post('/api/shop/auth/wechat/phone', { code })
  const u = Object.assign({}, user() || {}, { phone: res.phone })
  wx.setStorageSync(USER_KEY, u)
  return res.phone
}

let infoCache = null
// info is GET /api/shop/info (payment methods, sandbox flag), read once.
async function info() {
  if (!infoCache) infoCache = await get('/api/shop/info')
  return infoCache
}

module.exports = {
  ApiError, errorFrom, request, get, post, patch, del, list, view, quote, upload, fileURL, absolute, url,
  token, user, setAuth, clearAuth, onAuthChange, tokenExpiry, signInWithWeChat, refreshAuth, bindPhone, info,
  signedIn: () => !!token(),
}
