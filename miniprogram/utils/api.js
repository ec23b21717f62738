// The single API wrapper of the mini-program: every server call goes through here.
//
// - base URL from config.js
// - bearer token kept in storage ('token' + 'token_expires_at')
// - automatic login (wx.login -> POST /auth/login) when there is no valid token,
//   and on a 401 (log in again once, retry once)
// - errors {"error": {"code", "message", "fields"}} are shown as a toast
// - network failures are retried once, then reported with a toast
// - everything returns Promises
const config = require('../config')

const TOKEN_KEY = 'token'
const EXPIRES_KEY = 'token_expires_at'
const ACCOUNT_KEY = 'account'

const NETWORK_MESSAGE = '网络不通，请检查网络后重试'
const LOGIN_FAILED_MESSAGE = '微信登录失败，请稍后重试'

class ApiError extends Error {
  constructor({ code, message, fields, status }) {
    super(message)
    this.name = 'ApiError'
    this.code = code
    this.fields = fields || null
    this.status = status || 0
    this.shown = false
  }
}

// ---------------------------------------------------------------- helpers

function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

function buildQuery(query) {
  if (!query) return ''
  const parts = []
  Object.keys(query).forEach((key) => {
    const value = query[key]
    if (value === undefined || value === null || value === '') return
    parts.push(`${encodeURIComponent(key)}=${encodeURIComponent(value)}`)
  })
  return parts.length ? `?${parts.join('&')}` : ''
}

function buildUrl(path, query) {
  const base = config.baseUrl.replace(/\/+$/, '')
  const p = path.charAt(0) === '/' ? path : `/${path}`
  return base + p + buildQuery(query)
}

// Server answers may carry relative URLs ("/media/1.jpg"); <image> needs an absolute one.
function absoluteUrl(url) {
  if (!url || /^(https?:|wxfile:|data:)/.test(url)) return url || ''
  const origin = config.baseUrl.replace(/^(https?:\/\/[^/]+).*$/, '$1')
  return origin + (url.charAt(0) === '/' ? url : `/${url}`)
}

function toast(message) {
  wx.showToast({ title: message, icon: 'none', duration: 3000 })
}

// Text shown for an error: the server's message plus any field messages.
function errorText(err) {
  let text = err.message || '操作失败，请稍后重试'
  if (err.fields && typeof err.fields === 'object') {
    const details = Object.keys(err.fields)
      .map((k) => err.fields[k])
      .filter((v) => v && v !== err.message)
    if (details.length) text = `${text}：${details.join('；')}`
  }
  return text
}

function showError(err) {
  if (err && err.shown) return
  toast(errorText(err))
  if (err) err.shown = true
}

function parseBody(data) {
  if (typeof data !== 'string') return data
  if (!data) return null
  try {
    return JSON.parse(data)
  } catch (e) {
    return data
  }
}

// Turn a non-2xx response into an ApiError with a Chinese message.
function httpError(statusCode, body) {
  if (body && typeof body === 'object' && body.error) {
    return new ApiError({
      code: body.error.code || `http_${statusCode}`,
      message: body.error.message || `请求失败（${statusCode}）`,
      fields: body.error.fields,
      status: statusCode,
    })
  }
  let message = `请求失败（${statusCode}），请稍后重试`
  if (statusCode >= 500) message = `服务器开小差了（${statusCode}），请稍后重试`
  else if (statusCode === 404) message = '没有找到要访问的内容'
  else if (statusCode === 403) message = '没有权限进行此操作'
  else if (statusCode === 401) message = '登录已失效，请重新进入小程序'
  return new ApiError({ code: `http_${statusCode}`, message, status: statusCode })
}

// ---------------------------------------------------------------- token storage

function getToken() {
  const token = wx.getStorageSync(TOKEN_KEY)
  if (!token) return ''
  const expiresAt = wx.getStorageSync(EXPIRES_KEY)
  if (expiresAt) {
    const t = Date.parse(expiresAt)
    if (!Number.isNaN(t) && t - config.tokenSkewSeconds * 1000 <= Date.now()) return ''
  }
  return token
}

function saveSession(result) {
  if (!result || !result.token) {
    throw new ApiError({ code: 'login_failed', message: LOGIN_FAILED_MESSAGE })
  }
  wx.setStorageSync(TOKEN_KEY, result.token)
  wx.setStorageSync(EXPIRES_KEY, result.expires_at || '')
  if (result.account) wx.setStorageSync(ACCOUNT_KEY, result.account)
  return result
}

function clearToken() {
  wx.removeStorageSync(TOKEN_KEY)
  wx.removeStorageSync(EXPIRES_KEY)
  wx.removeStorageSync(ACCOUNT_KEY)
}

function cachedAccount() {
  return wx.getStorageSync(ACCOUNT_KEY) || null
}

// ---------------------------------------------------------------- transport

// One wx.request / wx.uploadFile attempt. Resolves {statusCode, body}; rejects only on network failure.
function transportOnce(kind, opts) {
  return new Promise((resolve, reject) => {
    const common = {
      url: opts.url,
      header: opts.header,
      timeout: config.timeout,
      success: (res) => resolve({ statusCode: res.statusCode, body: parseBody(res.data) }),
      fail: (err) => reject(err || { errMsg: 'fail' }),
    }
    if (kind === 'upload') {
      wx.uploadFile(Object.assign(common, { filePath: opts.filePath, name: opts.name || 'file' }))
    } else {
      wx.request(Object.assign(common, { method: opts.method, data: opts.data, dataType: 'json' }))
    }
  })
}

// A transport call retried once on network failure; the second failure becomes an ApiError.
async function transport(kind, opts) {
  try {
    return await transportOnce(kind, opts)
  } catch (first) {
    if (config.retryDelayMs) await sleep(config.retryDelayMs)
    try {
      return await transportOnce(kind, opts)
    } catch (second) {
      throw new ApiError({ code: 'network', message: NETWORK_MESSAGE, status: 0 })
    }
  }
}

// ---------------------------------------------------------------- login

let loginPromise = null

function wxLoginCode() {
  return new Promise((resolve, reject) => {
    wx.login({
      success: (res) => {
        if (res && res.code) resolve(res.code)
        else reject(new ApiError({ code: 'login_failed', message: LOGIN_FAILED_MESSAGE }))
      },
      fail: () => reject(new ApiError({ code: 'login_failed', message: LOGIN_FAILED_MESSAGE })),
    })
  })
}

async function doLogin() {
  const code = await wxLoginCode()
  const res = await transport('request', {
    url: buildUrl('/auth/login'),
    method: 'POST',
    data: { code },
    header: { 'Content-Type': 'application/json' },
  })
  if (res.statusCode < 200 || res.statusCode >= 300) throw httpError(res.statusCode, res.body)
  return saveSession(res.body)
}

// Log in with wx.login; concurrent callers share one login.
function login() {
  if (!loginPromise) {
    loginPromise = doLogin().then(
      (r) => {
        loginPromise = null
        return r
      },
      (e) => {
        loginPromise = null
        throw e
      }
    )
  }
  return loginPromise
}

async function ensureToken() {
  const token = getToken()
  if (token) return token
  const result = await login()
  return result.token
}

// ---------------------------------------------------------------- core call

async function call(kind, opts) {
  const auth = opts.auth !== false
  const attempt = async () => {
    const header = Object.assign({}, opts.header || {})
    if (kind === 'request') header['Content-Type'] = 'application/json'
    if (auth) header.Authorization = `Bearer ${await ensureToken()}`
    return transport(kind, Object.assign({}, opts, { header }))
  }
  let res = await attempt()
  if (res.statusCode === 401 && auth) {
    // Token missing or expired: log in again once and retry once.
    clearToken()
    await login()
    res = await attempt()
  }
  if (res.statusCode >= 200 && res.statusCode < 300) return res.body
  throw httpError(res.statusCode, res.body)
}

// request(method, path, {data, query, auth, silent}) -> Promise of the response body.
// On failure the error is shown as a toast (unless silent) and the Promise rejects with an ApiError.
function request(method, path, options = {}) {
  const m = method.toUpperCase()
  const opts = {
    url: buildUrl(path, options.query),
    method: m,
    data: m === 'GET' ? undefined : options.data || {},
    auth: options.auth,
  }
  return call('request', opts).catch((err) => {
    const e = err instanceof ApiError ? err : new ApiError({ code: 'unknown', message: (err && err.message) || '操作失败，请稍后重试' })
    if (!options.silent) showError(e)
    throw e
  })
}

// upload(filePath) -> Promise of {id, url}
function upload(filePath, options = {}) {
  return call('upload', { url: buildUrl('/uploads'), filePath, name: 'file', auth: options.auth }).catch((err) => {
    const e = err instanceof ApiError ? err : new ApiError({ code: 'unknown', message: '图片上传失败，请重试' })
    if (!options.silent) showError(e)
    throw e
  })
}

// ---------------------------------------------------------------- pagination

// Fetch one page: resolves {items, page, per_page, total, hasMore}.
function getPage(path, { page = 1, perPage = 20, query = {}, auth, silent } = {}) {
  const q = Object.assign({}, query, { page, per_page: perPage })
  return request('GET', path, { query: q, auth, silent }).then((body) => {
    const items = (body && body.items) || []
    const total = (body && typeof body.total === 'number') ? body.total : items.length
    const p = (body && body.page) || page
    const pp = (body && body.per_page) || perPage
    return { items, page: p, per_page: pp, total, hasMore: p * pp < total && items.length > 0 }
  })
}

// Fetch every page (up to maxPages) and return the concatenated items.
async function getAll(path, { perPage = 100, query = {}, auth, maxPages = 20 } = {}) {
  let all = []
  for (let page = 1; page <= maxPages; page++) {
    const res = await getPage(path, { page, perPage, query, auth })
    all = all.concat(res.items)
    if (!res.hasMore) break
  }
  return all
}

// A stateful pager for list pages: reset() loads page 1, next() appends the next page.
function createPager(path, { perPage = 20, query = {}, auth } = {}) {
  const pager = {
    items: [],
    page: 0,
    total: 0,
    hasMore: true,
    loading: false,
    async reset() {
      pager.items = []
      pager.page = 0
      pager.total = 0
      pager.hasMore = true
      return pager.next()
    },
    async next() {
      if (pager.loading || !pager.hasMore) return pager
      pager.loading = true
      try {
        const res = await getPage(path, { page: pager.page + 1, perPage, query, auth })
        pager.items = pager.items.concat(res.items)
        pager.page = res.page
        pager.total = res.total
        pager.hasMore = res.hasMore
      } finally {
        pager.loading = false
      }
      return pager
    },
  }
  return pager
}

// ---------------------------------------------------------------- public surface

module.exports = {
  ApiError,
  NETWORK_MESSAGE,
  request,
  get: (path, options) => request('GET', path, options),
  post: (path, data, options = {}) => request('POST', path, Object.assign({}, options, { data })),
  patch: (path, data, options = {}) => request('PATCH', path, Object.assign({}, options, { data })),
  put: (path, data, options = {}) => request('PUT', path, Object.assign({}, options, { data })),
  del: (path, options) => request('DELETE', path, options),
  upload,
  getPage,
  getAll,
  createPager,
  login,
  ensureToken,
  getToken,
  clearToken,
  cachedAccount,
  showError,
  errorText,
  toast,
  buildUrl,
  absoluteUrl,
  // Demo mode only: log in as a demo account (server answers 403 outside demo mode).
  demoLogin(params) {
    return request('POST', '/auth/demo-login', { data: params || {}, auth: false }).then(saveSession)
  },
  // For tests: forget an in-flight login.
  _resetForTests() {
    loginPromise = null
  },
}
