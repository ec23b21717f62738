const { installWx, loggedIn, json, loadPage, flush, text, toasts } = require('./helpers')
const subscribe = require('../utils/subscribe')

beforeEach(() => subscribe._resetForTests())

function request(overrides = {}) {
  return Object.assign({
    id: 21,
    number: 'Q2024050001',
    kind: 'problem',
    text: '三组路口的路灯坏了，晚上很黑',
    location: '东村三组路口',
    status: 'resolved',
    resolution: 'done',
    assignee: { name: '李明' },
    org_name: '东村党支部',
    due_at: '2024-05-08T18:00:00+08:00',
    created_at: '2024-05-01T09:30:00+08:00',
    rating: null,
    can: { confirm: true, reopen: true, rate: true, claim: false, reply: false, resolve: false },
    timeline: [
      { at: '2024-05-01T09:30:00+08:00', actor: '群众', action: 'submitted', label: '提交诉求', note: '' },
      { at: '2024-05-02T10:00:00+08:00', actor: '李明', action: 'resolved', label: '已办结：已解决', note: '换了新灯泡' },
    ],
  }, overrides)
}

describe('我的诉求 list', () => {
  test('shows my requests with kind, status and number', async () => {
    const env = installWx([['GET', '/requests/mine', json({
      items: [request(), request({ id: 22, number: 'Q2024050002', kind: 'wish', text: '希望给老人活动室添几把椅子', status: 'submitted', can: {} })],
      page: 1, per_page: 20, total: 2,
    })]])
    loggedIn(env.store)
    const page = loadPage('requests')
    await page.instance.onShow()
    await flush()
    const t = text(page)
    expect(t).toContain('三组路口的路灯坏了')
    expect(t).toContain('问题反映')
    expect(t).toContain('已办结')
    expect(t).toContain('编号 Q2024050001 · 2024-05-01 09:30')
    expect(t).toContain('微心愿')
    expect(t).toContain('已提交')
    expect(page.querySelectorAll('.action-hint')).toHaveLength(1)
    page.instance.onOpen({ currentTarget: { dataset: { id: 22 } } })
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/request-detail/index?id=22' })
  })
})

describe('诉求详情', () => {
  async function open(r, routes = []) {
    const env = installWx([['GET', `/requests/${r.id}`, () => ({ status: 200, body: r })], ...routes])
    loggedIn(env.store)
    const page = loadPage('request-detail')
    await page.instance.onLoad({ id: String(r.id) })
    await flush()
    return { env, page }
  }

  test('shows the timeline and the buttons the can flags allow', async () => {
    const { page } = await open(request())
    const t = text(page)
    expect(t).toContain('提交诉求')
    expect(t).toContain('已办结：已解决')
    expect(t).toContain('换了新灯泡')
    expect(t).toContain('办理人：李明')
    expect(page.querySelectorAll('.confirm-btn')).toHaveLength(1)
    expect(page.querySelectorAll('.reopen-btn')).toHaveLength(1)
    const rates = page.querySelectorAll('.rate-btn')
    expect(rates.map((b) => b.dom.textContent.trim())).toEqual(['满意', '基本满意', '不满意'])
    expect(page.querySelectorAll('.claim-btn')).toHaveLength(0)
  })

  test('hides the buttons the server does not allow', async () => {
    const { page } = await open(request({ status: 'in_progress', can: { confirm: false, reopen: false, rate: false } }))
    expect(page.querySelectorAll('.confirm-btn')).toHaveLength(0)
    expect(page.querySelectorAll('.reopen-btn')).toHaveLength(0)
    expect(page.querySelectorAll('.rate-btn')).toHaveLength(0)
  })

  test('确认解决 and 评价 post to the server', async () => {
    const { env, page } = await open(request(), [
      ['POST', '/requests/21/confirm', json(request({ status: 'confirmed' }))],
      ['POST', '/requests/21/rate', json(request({ rating: 'basically_satisfied' }))],
    ])
    await page.instance.onConfirm()
    await page.instance.onRate({ currentTarget: { dataset: { rating: 'basically_satisfied' } } })
    const posts = env.calls.filter((c) => c.method === 'POST')
    expect(posts.map((c) => c.url.split('/api/v1')[1])).toEqual(['/requests/21/confirm', '/requests/21/rate'])
    expect(posts[1].data).toEqual({ rating: 'basically_satisfied' })
  })

  test('tapping 满意 sends the rating', async () => {
    const { env, page } = await open(request(), [['POST', '/requests/21/rate', json(request({ rating: 'satisfied' }))]])
    page.querySelectorAll('.rate-btn')[0].dispatchEvent('tap')
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ rating: 'satisfied' })
  })

  test('重新打开 needs a reason', async () => {
    const { env, page } = await open(request(), [['POST', '/requests/21/reopen', json(request({ status: 'in_progress' }))]])
    wx.showModal = jest.fn((o) => o.success({ confirm: true, content: '' }))
    await page.instance.onReopen()
    expect(env.calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    expect(toasts()).toContain('请说明还有什么没解决')

    wx.showModal = jest.fn((o) => o.success({ confirm: true, content: '灯又不亮了' }))
    await page.instance.onReopen()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ reason: '灯又不亮了' })
  })

  test('a refused action shows the server message', async () => {
    const { page } = await open(request(), [
      ['POST', '/requests/21/confirm', json({ error: { code: 'forbidden', message: '只有提交人可以确认' } }, 403)],
    ])
    await page.instance.onConfirm()
    expect(toasts()).toEqual(['只有提交人可以确认'])
  })

  test('members can claim, reply and resolve when allowed', async () => {
    const r = request({ status: 'assigned', can: { claim: true, reply: true, resolve: true } })
    const { env, page } = await open(r, [
      ['POST', '/requests/21/claim', json(r)],
      ['POST', '/requests/21/reply', json(r)],
      ['POST', '/requests/21/resolve', json(r)],
    ])
    await page.instance.onClaim()
    page.instance.onReplyInput({ detail: { value: '明天上午去看' } })
    await page.instance.onReply()
    page.instance.onResolution({ detail: { value: 3 } })
    page.instance.onResolveNote({ detail: { value: '已转交供电所' } })
    await page.instance.onResolve()
    const posts = env.calls.filter((c) => c.method === 'POST')
    expect(posts.map((c) => [c.url.split('/').pop(), c.data])).toEqual([
      ['claim', {}],
      ['reply', { text: '明天上午去看' }],
      ['resolve', { resolution: 'referred', note: '已转交供电所' }],
    ])
  })
})

describe('诉求详情: 转交', () => {
  test('loads the candidates and posts member_id and reason', async () => {
    const r = request({ status: 'claimed', can: { reply: true, resolve: true } })
    const env = installWx([
      ['GET', '/requests/21', json(r)],
      ['GET', '/requests/21/candidates', json({ items: [{ id: 12, name: '李小组' }] })],
      ['POST', '/requests/21/transfer', json(r)],
    ])
    loggedIn(env.store)
    const page = loadPage('request-detail')
    await page.instance.onLoad({ id: '21' })
    await flush()
    page.querySelector('.transfer-open').dispatchEvent('tap')
    await flush()
    expect(page.instance.data.candidates.map((c) => c.id)).toEqual([12, null])
    page.instance.onTransferReason({ detail: { value: '他住得近' } })
    page.querySelector('.transfer-btn').dispatchEvent('tap')
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url.split('/api/v1')[1]).toBe('/requests/21/transfer')
    expect(post.data).toEqual({ member_id: 12, reason: '他住得近' })
    expect(toasts()).toContain('已交给李小组')
  })
})

describe('我要反映', () => {
  test('submits kind, text, location and uploaded photos, then opens the new request', async () => {
    const env = installWx([
      ['UPLOAD', '/uploads', json({ id: 77, url: '/media/77.jpg' }, 201)],
      ['POST', '/requests', json(request({ id: 30, number: 'Q2024050030', status: 'submitted' }), 201)],
    ])
    loggedIn(env.store)
    wx.chooseMedia = jest.fn((o) => setTimeout(() => o.success({ tempFiles: [{ tempFilePath: 'tmp/lamp.jpg' }] }), 0))
    const page = loadPage('request-new')
    page.instance.onLoad({ member_code: 'M123' })
    page.instance.onKind({ detail: { value: 1 } })
    page.instance.onText({ detail: { value: '希望给老人活动室添几把椅子' } })
    page.instance.onLocation({ detail: { value: '东村活动室' } })
    await page.instance.onAddPhoto()
    await page.instance.onSubmit()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ kind: 'wish', text: '希望给老人活动室添几把椅子', location: '东村活动室', photo_ids: [77], member_code: 'M123' })
    expect(toasts()).toEqual(['已提交，编号 Q2024050030'])
    expect(wx.redirectTo).toHaveBeenCalledWith({ url: '/pages/request-detail/index?id=30' })
  })

  test('offers the four kinds and refuses an empty text', async () => {
    const env = installWx([])
    loggedIn(env.store)
    const page = loadPage('request-new')
    page.instance.onLoad({})
    expect(page.instance.data.kinds.map((k) => k.label)).toEqual(['问题反映', '微心愿', '建议', '投诉'])
    expect(text(page)).toContain('问题反映')
    await page.instance.onSubmit()
    expect(env.calls.filter((c) => c.url.indexOf('/subscriptions') < 0)).toHaveLength(0)
    expect(page.instance.data.errors.text).toBeTruthy()
  })
})
