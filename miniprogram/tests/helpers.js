// Test helpers: a fake server behind wx.request / wx.uploadFile, in-memory storage,
// and a loader that renders a page (pages are built with the Component constructor).
const path = require('path')
const simulate = require('miniprogram-simulate')

const ROOT = path.resolve(__dirname, '..')
const BASE = 'http://127.0.0.1:5000/api/v1'

// No waiting between network retries in tests.
require('../config').retryDelayMs = 0

// Install jest mocks on the global `wx` provided by miniprogram-simulate.
// `routes` is a list of [method, pathOrRegExp, handler]; handler(req) returns
// {status, body} or the string 'fail' (network failure). Unmatched requests get a 404.
function installWx(routes = []) {
  const store = {}
  const calls = []
  const handle = (req) => {
    calls.push(req)
    const p = req.url.slice(BASE.length).split('?')[0]
    for (const [method, pattern, handler] of routes) {
      if (method !== req.method) continue
      const ok = typeof pattern === 'string' ? pattern === p : pattern.test(p)
      if (ok) return handler(req)
    }
    return { status: 404, body: { error: { code: 'not_found', message: '没有找到' } } }
  }
  const respond = (opts, req, asString) => {
    const out = handle(req)
    setTimeout(() => {
      if (out === 'fail') {
        if (opts.fail) opts.fail({ errMsg: `${req.kind}:fail` })
        return
      }
      const data = asString ? JSON.stringify(out.body) : out.body
      if (opts.success) opts.success({ statusCode: out.status || 200, data, header: {} })
    }, 0)
  }
  wx.request = jest.fn((opts) => {
    const req = {
      kind: 'request',
      method: opts.method || 'GET',
      url: opts.url,
      data: opts.data,
      header: opts.header || {},
      query: Object.fromEntries(new URL(opts.url).searchParams),
    }
    respond(opts, req, false)
    return { abort() {} }
  })
  wx.uploadFile = jest.fn((opts) => {
    const req = {
      kind: 'uploadFile',
      method: 'UPLOAD',
      url: opts.url,
      filePath: opts.filePath,
      name: opts.name,
      header: opts.header || {},
    }
    respond(opts, req, true)
    return { abort() {} }
  })
  wx.login = jest.fn((opts) => setTimeout(() => opts.success({ code: 'wxcode' }), 0))
  wx.getStorageSync = jest.fn((k) => (k in store ? store[k] : ''))
  wx.setStorageSync = jest.fn((k, v) => {
    store[k] = v
  })
  wx.removeStorageSync = jest.fn((k) => {
    delete store[k]
  })
  wx.showToast = jest.fn()
  wx.showLoading = jest.fn()
  wx.hideLoading = jest.fn()
  wx.stopPullDownRefresh = jest.fn()
  wx.navigateTo = jest.fn()
  wx.redirectTo = jest.fn()
  wx.switchTab = jest.fn()
  wx.navigateBack = jest.fn()
  wx.showModal = jest.fn((opts) => opts.success && opts.success({ confirm: true, content: '' }))
  wx.chooseMedia = jest.fn()
  wx.chooseLocation = jest.fn()
  wx.previewImage = jest.fn()
  return { store, calls, routes }
}

// Store a valid token so that no login happens unless a test wants one.
function loggedIn(store, token = 'tok-1') {
  store.token = token
  store.token_expires_at = new Date(Date.now() + 3600 * 1000).toISOString()
}

const json = (body, status = 200) => () => ({ status, body })

// A page definition is registered once per test file (jest keeps required modules cached,
// so the page's Component() call runs only once); each render gives a fresh instance.
const pageIds = {}

function loadPage(name) {
  if (!pageIds[name]) {
    pageIds[name] = simulate.load(path.join(ROOT, 'pages', name, 'index'), {
      compiler: 'official', // the real WXML compiler (wcc) shipped with miniprogram-compiler
      rootPath: ROOT,
    })
  }
  const comp = simulate.render(pageIds[name])
  comp.attach(document.createElement('parent-wrapper'))
  return comp
}

// Wait until pending timers and promise chains have settled.
async function flush(rounds = 10) {
  for (let i = 0; i < rounds; i++) {
    // eslint-disable-next-line no-await-in-loop
    await new Promise((r) => setTimeout(r, 0))
  }
}

function text(comp) {
  return comp.dom.textContent.replace(/\s+/g, ' ')
}

function toasts() {
  return wx.showToast.mock.calls.map((c) => c[0].title)
}

function commitment(overrides = {}) {
  return Object.assign(
    {
      id: 1,
      title: '每月给村东生产路树木浇水一次',
      description: '',
      category: '环境整治',
      owner_kind: 'member',
      member_id: 7,
      org_id: 3,
      target_quantity: 1,
      unit: '次',
      target_kind: 'periodic',
      frequency: 'monthly',
      start_date: '2024-01-01',
      end_date: '2024-12-31',
      beneficiary: '村东生产路',
      status: 'published',
      progress: { percent: 40, state: 'on_track', done: 4, target: 10, label: '已完成 4/10 个月' },
    },
    overrides
  )
}

// The demo's 王建国 of 东村 as /me returns him: a plain member, and the same as branch secretary.
const MEMBER = {
  id: 5, name: '王建国', demo: true, household: null,
  member: { id: 9, name: '王建国', org_id: 3, org_name: '东村党支部', public_code: 'DC009' },
  roles: [],
}
const SECRETARY = Object.assign({}, MEMBER, { roles: [{ role: 'secretary', org_id: 3, org_name: '东村党支部' }] })

module.exports = {
  ROOT, BASE, installWx, loggedIn, json, loadPage, flush, text, toasts, commitment, simulate,
  MEMBER, SECRETARY,
}
