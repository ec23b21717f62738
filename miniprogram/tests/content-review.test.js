// 内容审核 (pages/content-review): held texts of my branch, 准予公开 / 不予公开 through
// POST /reviews/content/<kind>/<id>, and the row on the secretary's 待办 page that leads there.
const fs = require('fs')
const path = require('path')
const { ROOT, BASE, installWx, loggedIn, json, loadPage, flush, text, toasts, MEMBER, SECRETARY } = require('./helpers')
const api = require('../utils/api')
const subscribe = require('../utils/subscribe')

beforeEach(() => {
  api._resetForTests()
  subscribe._resetForTests()
})


function held(overrides = {}) {
  return Object.assign({
    kind: 'log', id: 501, text: '给东头三户老人挑水，电话13800000000',
    org_id: 3, org_name: '东村党支部', author_name: '李秀英',
    commitment_id: 41, commitment_title: '每周为独居老人挑水',
    created_at: '2024-05-03T09:30:00+08:00',
  }, overrides)
}

const page1 = (items) => json({ items, page: 1, per_page: 20, total: items.length })
const QUEUE = page1([
  held(),
  // a commitment with the same id as the log: the row key must tell them apart
  held({ kind: 'commitment', id: 501, text: '每月打扫村道一次 为全村服务', author_name: '赵六', commitment_id: 501, commitment_title: '每月打扫村道一次', created_at: '2024-05-04T08:00:00+08:00' }),
])

async function openReview(routes = [], queue = QUEUE) {
  const env = installWx([...routes, ['GET', '/reviews/content', queue]])
  loggedIn(env.store)
  env.store.account = SECRETARY
  const page = loadPage('content-review')
  await page.instance.onShow()
  await flush()
  return { env, page }
}

const posts = (env) => env.calls.filter((c) => c.method === 'POST').map((c) => [c.url.split('/api/v1')[1], c.data])
const tapOn = (key) => ({ currentTarget: { dataset: { key } } })

describe('内容审核 page', () => {
  test('lists every held text with its kind, branch, author, commitment and time', async () => {
    const { env, page } = await openReview()
    const get = env.calls.find((c) => c.method === 'GET')
    expect(get.url.split('?')[0]).toBe(`${BASE}/reviews/content`)
    expect(get.header.Authorization).toBe('Bearer tok-1')
    const t = text(page)
    expect(t).toContain('待审核 2 条')
    expect(t).toContain('践诺记录')
    expect(t).toContain('承诺')
    expect(t).toContain('东村党支部 · 李秀英')
    expect(t).toContain('给东头三户老人挑水，电话13800000000')
    expect(t).toContain('所属承诺：每周为独居老人挑水')
    expect(t).toContain('2024-05-03 09:30')
    expect(t).toContain('每月打扫村道一次 为全村服务')
    expect(page.querySelectorAll('.held-item')).toHaveLength(2)
    expect(page.querySelectorAll('.approve-btn')).toHaveLength(2)
    expect(page.querySelectorAll('.reject-btn')).toHaveLength(2)
    expect(page.instance.data.items.map((i) => i.key)).toEqual(['log-501', 'commitment-501'])
    expect(toasts()).toEqual([])
  })

  test('准予公开 posts approve to the right endpoint and removes only that row', async () => {
    const { env, page } = await openReview([
      ['POST', '/reviews/content/log/501', json({ kind: 'log', id: 501, content_status: 'pass' })],
    ])
    page.querySelector('.approve-btn').dispatchEvent('tap')
    await flush()
    expect(posts(env)).toEqual([['/reviews/content/log/501', { decision: 'approve', reason: '' }]])
    expect(toasts()).toEqual(['已准予公开'])
    const t = text(page)
    expect(t).not.toContain('给东头三户老人挑水')
    expect(t).toContain('每月打扫村道一次 为全村服务') // the commitment with the same id stays
    expect(t).toContain('待审核 1 条')
    expect(page.querySelectorAll('.held-item')).toHaveLength(1)
  })

  test('不予公开 without a reason sends nothing and shows the hint', async () => {
    const { env, page } = await openReview([
      ['POST', '/reviews/content/commitment/501', json({ kind: 'commitment', id: 501, content_status: 'rejected' })],
    ])
    page.querySelectorAll('.reject-btn')[1].dispatchEvent('tap')
    await flush()
    expect(page.querySelectorAll('.confirm-reject-btn')).toHaveLength(1)
    page.querySelector('.confirm-reject-btn').dispatchEvent('tap')
    await flush()
    // one character or blanks are not a reason either (the server asks for two)
    page.instance.onReason({ detail: { value: '  否 ' } })
    await page.instance.onConfirmReject()
    await flush()
    expect(posts(env)).toEqual([])
    expect(toasts()).toEqual(['请填写不予公开的理由', '请填写不予公开的理由'])
    expect(page.querySelector('.reason-error').dom.textContent).toContain('请写明不予公开的理由')
    expect(page.querySelectorAll('.held-item')).toHaveLength(2)
  })

  test('不予公开 with a reason posts reject with the trimmed reason and removes the row', async () => {
    const { env, page } = await openReview([
      ['POST', '/reviews/content/commitment/501', json({ kind: 'commitment', id: 501, content_status: 'rejected' })],
    ])
    await page.instance.onStartReject(tapOn('commitment-501'))
    await flush()
    page.instance.onReason({ detail: { value: ' 内容与承诺无关，请重新填写 ' } })
    page.querySelector('.confirm-reject-btn').dispatchEvent('tap')
    await flush()
    expect(posts(env)).toEqual([['/reviews/content/commitment/501', { decision: 'reject', reason: '内容与承诺无关，请重新填写' }]])
    expect(toasts()).toEqual(['已不予公开'])
    expect(text(page)).not.toContain('每月打扫村道一次 为全村服务')
    expect(text(page)).toContain('给东头三户老人挑水')
    expect(page.querySelectorAll('.confirm-reject-btn')).toHaveLength(0)
  })

  test('the server\'s reason error is shown next to the box; the typed reason is kept', async () => {
    const { page } = await openReview([
      ['POST', '/reviews/content/log/501', json({ error: { code: 'invalid', message: '不予公开时请写明理由', fields: { reason: '不予公开时请写明理由' } } }, 400)],
    ])
    await page.instance.onStartReject(tapOn('log-501'))
    page.instance.onReason({ detail: { value: '不妥当' } })
    await page.instance.onConfirmReject()
    await flush()
    expect(page.querySelector('.reason-error').dom.textContent).toContain('不予公开时请写明理由')
    expect(toasts()).toEqual(['不予公开时请写明理由'])
    expect(page.instance.data.reason).toBe('不妥当')
    expect(page.querySelectorAll('.held-item')).toHaveLength(2)
  })

  test('decided by someone else meanwhile: the server says so and the list is loaded again', async () => {
    let gets = 0
    const { env, page } = await openReview([
      ['POST', '/reviews/content/log/501', json({ error: { code: 'conflict', message: '这条内容不在待审核状态' } }, 409)],
    ], () => {
      gets += 1
      return gets === 1 ? QUEUE() : page1([held({ kind: 'commitment', commitment_title: '每月打扫村道一次', text: '每月打扫村道一次 为全村服务' })])()
    })
    await page.instance.onApprove(tapOn('log-501'))
    await flush()
    expect(toasts()).toEqual(['这条内容不在待审核状态'])
    expect(env.calls.filter((c) => c.method === 'GET')).toHaveLength(2)
    expect(text(page)).not.toContain('给东头三户老人挑水')
    expect(page.querySelectorAll('.held-item')).toHaveLength(1)
  })

  test('nothing waiting: plain words and a way back to 待办', async () => {
    const { page } = await openReview([], page1([]))
    const t = text(page)
    expect(t).toContain('没有等待审核的内容。')
    expect(t).toContain('含敏感词的践诺记录和承诺会出现在这里，准予公开后群众才能看到。')
    expect(page.querySelectorAll('.approve-btn')).toHaveLength(0)
    page.querySelector('.back-btn').dispatchEvent('tap')
    await flush()
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/requests/index' })
  })

  test('older eyes: text of at least 16px, the page\'s buttons at least 44px tall', () => {
    const css = fs.readFileSync(path.join(ROOT, 'pages/content-review/index.wxss'), 'utf8')
    for (const m of css.matchAll(/font-size:\s*(\d+)rpx/g)) expect(Number(m[1])).toBeGreaterThanOrEqual(32)
    expect(css).toMatch(/\.held-item \.btn \{[^}]*min-height: 88rpx/)
    const entry = fs.readFileSync(path.join(ROOT, 'pages/requests/index.wxss'), 'utf8')
    expect(entry).toMatch(/\.held-entry \{[^}]*min-height: 88rpx/)
  })
})

describe('the row on the secretary\'s 待办', () => {
  async function openInbox(account, heldTotal) {
    const env = installWx([
      ['GET', '/requests/assigned', page1([])],
      ['GET', '/reviews/content', json({ items: heldTotal ? [held()] : [], page: 1, per_page: 1, total: heldTotal })],
    ])
    loggedIn(env.store)
    env.store.account = account
    const page = loadPage('requests')
    await page.instance.onShow()
    await flush()
    return { env, page }
  }

  test('待审核内容 N 条 when N > 0, and a tap opens the page', async () => {
    const { env, page } = await openInbox(SECRETARY, 3)
    const get = env.calls.find((c) => c.url.indexOf('/reviews/content') >= 0)
    expect(get.query).toMatchObject({ page: '1', per_page: '1' })
    expect(text(page)).toContain('待审核内容 3 条')
    page.querySelector('.held-entry').dispatchEvent('tap')
    await flush()
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/content-review/index' })
    // another segment: the row belongs to 待办
    await page.instance.onSegment({ currentTarget: { dataset: { key: 'mine' } } })
    await flush()
    expect(page.querySelectorAll('.held-entry')).toHaveLength(0)
  })

  test('no row when nothing waits', async () => {
    const { page } = await openInbox(SECRETARY, 0)
    expect(page.querySelectorAll('.held-entry')).toHaveLength(0)
    expect(text(page)).not.toContain('待审核内容')
  })

  test('a plain member never asks and sees no row', async () => {
    const { env, page } = await openInbox(MEMBER, 3)
    expect(env.calls.some((c) => c.url.indexOf('/reviews/content') >= 0)).toBe(false)
    expect(page.querySelectorAll('.held-entry')).toHaveLength(0)
  })

  test('if the count cannot be fetched the 待办 still works, without a toast', async () => {
    const env = installWx([
      ['GET', '/requests/assigned', page1([])],
      ['GET', '/reviews/content', json({ error: { code: 'server_error', message: '服务器开小差了' } }, 500)],
    ])
    loggedIn(env.store)
    env.store.account = SECRETARY
    const page = loadPage('requests')
    await page.instance.onShow()
    await flush()
    expect(toasts()).toEqual([])
    expect(text(page)).toContain('暂无待办')
    expect(page.querySelectorAll('.held-entry')).toHaveLength(0)
  })
})
