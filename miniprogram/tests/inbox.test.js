// The member's 待办 (pages/requests for a party member), the demand list, their actions,
// the tab bar by role and the subscription prompts.
const { installWx, loggedIn, json, loadPage, flush, text, toasts, MEMBER, SECRETARY } = require('./helpers')
const api = require('../utils/api')
const subscribe = require('../utils/subscribe')
const tabbar = require('../utils/tabbar')

beforeEach(() => {
  api._resetForTests()
  subscribe._resetForTests()
})

const RESIDENT = { id: 1, name: '微信用户', member: null, household: null, roles: [], demo: true }

function req(overrides = {}) {
  return Object.assign({
    id: 21, number: 'Q2024050001', kind: 'problem', kind_label: '问题反映', text: '三组路口的路灯坏了', location: '东村三组',
    status: 'assigned', status_label: '已分派', resolution: null, resolution_note: '', assignee: { name: '王建国' },
    org_name: '东村党支部', due_at: '2024-05-03T09:30:00+08:00', overdue: false, escalation_level: 0,
    created_at: '2024-05-01T09:30:00+08:00', rating: null, photos: [],
    can: { confirm: false, reopen: false, rate: false, claim: true, reply: true, resolve: true },
  }, overrides)
}

const page1 = (items) => json({ items, page: 1, per_page: 20, total: items.length })

async function openInbox(account, routes) {
  const env = installWx(routes)
  loggedIn(env.store)
  env.store.account = account
  const page = loadPage('requests')
  await page.instance.onShow()
  await flush()
  return { env, page }
}

const posts = (env) => env.calls.filter((c) => c.method === 'POST' && c.url.indexOf('/subscriptions') < 0)
  .map((c) => [c.url.split('/api/v1')[1], c.data])

describe('待办 for a party member', () => {
  test('lists what I hold with the overdue flag and sets the tab badge', async () => {
    const { env, page } = await openInbox(MEMBER, [
      ['GET', '/requests/assigned', page1([req({ id: 21, overdue: true, escalation_level: 1 }), req({ id: 22, number: 'Q2024050002', text: '希望添几把椅子' })])],
    ])
    expect(env.calls.some((c) => c.url.indexOf('/requests/assigned') >= 0)).toBe(true)
    expect(env.calls.some((c) => c.url.indexOf('/requests/mine') >= 0)).toBe(false)
    const t = text(page)
    expect(t).toContain('待办')
    expect(t).toContain('需求清单')
    expect(t).toContain('三组路口的路灯坏了')
    expect(t).toContain('有 1 件已超时')
    expect(page.querySelectorAll('.tag-overdue')).toHaveLength(1)
    expect(page.querySelectorAll('.is-overdue')).toHaveLength(1)
    expect(env.store.inbox_overdue).toBe(1)
    const tabs = tabbar.currentTabs()
    expect(tabs.find((x) => x.text === '待办').badge).toBe('1')
  })

  test('claim, answer, resolve and transfer call the right endpoints with the right bodies', async () => {
    const r = req()
    const { env, page } = await openInbox(MEMBER, [
      ['GET', '/requests/assigned', page1([r])],
      ['POST', '/requests/21/claim', json(r)],
      ['POST', '/requests/21/reply', json(r)],
      ['POST', '/requests/21/resolve', json(r)],
      ['GET', '/requests/21/candidates', json({ items: [{ id: 12, name: '李小组' }] })],
      ['POST', '/requests/21/transfer', json(r)],
    ])
    page.querySelector('.claim-btn').dispatchEvent('tap')
    await flush()
    expect(toasts()).toContain('已认领')

    page.querySelector('.reply-btn').dispatchEvent('tap')
    await flush()
    page.instance.onReplyInput({ detail: { value: ' 明天上午去看 ' } })
    page.querySelector('.reply-send').dispatchEvent('tap')
    await flush()

    page.querySelector('.resolve-btn').dispatchEvent('tap')
    await flush()
    page.instance.onResolution({ detail: { value: 0 } })
    page.instance.onResolveNote({ detail: { value: '换了新灯泡' } })
    page.querySelector('.resolve-send').dispatchEvent('tap')
    await flush()

    page.querySelector('.transfer-btn').dispatchEvent('tap')
    await flush()
    expect(text(page)).toContain('李小组')
    page.instance.onTransferReason({ detail: { value: '他住三组' } })
    page.querySelector('.transfer-send').dispatchEvent('tap')
    await flush()

    expect(posts(env)).toEqual([
      ['/requests/21/claim', {}],
      ['/requests/21/reply', { text: '明天上午去看' }],
      ['/requests/21/resolve', { resolution: 'done', note: '换了新灯泡' }],
      ['/requests/21/transfer', { member_id: 12, reason: '他住三组' }],
    ])
    expect(toasts()).toEqual(expect.arrayContaining(['已认领', '已答复', '已办结', '已交给李小组']))
  })

  test('a claim can be undone: back to the branch list', async () => {
    const r = req()
    const { env, page } = await openInbox(MEMBER, [
      ['GET', '/requests/assigned', page1([r])],
      ['POST', '/requests/21/claim', json(r)],
      ['POST', '/requests/21/transfer', json(r)],
    ])
    page.querySelector('.claim-btn').dispatchEvent('tap')
    await flush()
    expect(text(page)).toContain('已认领编号 Q2024050001')
    page.querySelector('.undo-btn').dispatchEvent('tap')
    await flush()
    expect(posts(env)).toEqual([
      ['/requests/21/claim', {}],
      ['/requests/21/transfer', { member_id: null, reason: '撤销认领' }],
    ])
    expect(toasts()).toContain('已撤销认领')
    expect(page.querySelectorAll('.undo-btn')).toHaveLength(0)
  })

  test('transfer back to the branch list sends member_id null', async () => {
    const r = req()
    const { env, page } = await openInbox(MEMBER, [
      ['GET', '/requests/assigned', page1([r])],
      ['GET', '/requests/21/candidates', json({ items: [] })],
      ['POST', '/requests/21/transfer', json(r)],
    ])
    await page.instance.onTransferOpen({ currentTarget: { dataset: { id: 21 } } })
    await flush()
    expect(page.instance.data.candidates.map((c) => c.id)).toEqual([null])
    await page.instance.onTransferSend()
    expect(posts(env)).toEqual([['/requests/21/transfer', { member_id: null, reason: '' }]])
  })

  test('an empty answer is refused before anything is sent', async () => {
    const { env, page } = await openInbox(MEMBER, [['GET', '/requests/assigned', page1([req()])]])
    await page.instance.onReplyOpen({ currentTarget: { dataset: { id: 21 } } })
    await page.instance.onReplySend()
    expect(posts(env)).toEqual([])
    expect(toasts()).toContain('请填写答复内容')
  })

  test('the demand list: a member claims, the secretary 派单 to a member', async () => {
    const open = { id: 31, number: 'Q2024050031', kind: 'wish', kind_label: '微心愿', text: '希望给老人活动室添几把椅子', location: '', status: 'submitted', assignee: null, overdue: false, created_at: '2024-05-01T09:30:00+08:00' }
    const { env, page } = await openInbox(SECRETARY, [
      ['GET', '/requests/assigned', page1([])],
      ['GET', '/orgs/3/demands', page1([open])],
      ['POST', '/requests/31/claim', json(req({ id: 31 }))],
      ['GET', '/requests/31/candidates', json({ items: [{ id: 12, name: '李小组' }, { id: 13, name: '赵六' }] })],
      ['POST', '/requests/31/transfer', json(req({ id: 31 }))],
    ])
    expect(text(page)).toContain('暂无待办')
    page.querySelectorAll('.segment')[1].dispatchEvent('tap')
    await flush()
    expect(env.calls.some((c) => c.url.indexOf('/orgs/3/demands') >= 0)).toBe(true)
    expect(text(page)).toContain('希望给老人活动室添几把椅子')
    page.querySelector('.claim-btn').dispatchEvent('tap')
    await flush()
    page.querySelector('.assign-btn').dispatchEvent('tap')
    await flush()
    // 派单 offers the branch's members only (not "back to the list")
    expect(page.instance.data.candidates.map((c) => c.name)).toEqual(['李小组', '赵六'])
    page.instance.onCandidate({ detail: { value: 1 } })
    page.querySelector('.transfer-send').dispatchEvent('tap')
    await flush()
    expect(posts(env)).toEqual([
      ['/requests/31/claim', {}],
      ['/requests/31/transfer', { member_id: 13, reason: '' }],
    ])
    expect(toasts()).toContain('已交给赵六')
  })

  test('a plain member sees no 派单 button', async () => {
    const open = { id: 31, number: 'Q1', kind: 'wish', text: '添椅子', location: '', status: 'submitted', assignee: null, overdue: false, created_at: '2024-05-01T09:30:00+08:00' }
    const { page } = await openInbox(MEMBER, [['GET', '/requests/assigned', page1([])], ['GET', '/orgs/3/demands', page1([open])]])
    await page.instance.onSegment({ currentTarget: { dataset: { key: 'demands' } } })
    await flush()
    expect(page.querySelectorAll('.claim-btn')).toHaveLength(1)
    expect(page.querySelectorAll('.assign-btn')).toHaveLength(0)
  })

  test('the first 待办 asks to allow notices (from a tap) and records the answer', async () => {
    const { env, page } = await openInbox(MEMBER, [
      ['GET', '/requests/assigned', page1([])],
      ['GET', '/subscriptions', json({ items: [{ template_id: 'TPL-TASK', scenes: ['inbox'], title: '新待办提醒' }, { template_id: 'TPL-ANSWER', scenes: ['request'], title: '诉求答复' }] })],
      ['POST', '/subscriptions', json({ recorded: 1 })],
    ])
    wx.requestSubscribeMessage = jest.fn((o) => setTimeout(() => o.success({ errMsg: 'requestSubscribeMessage:ok', 'TPL-TASK': 'accept' }), 0))
    expect(page.querySelectorAll('.subscribe-btn')).toHaveLength(1)
    page.querySelector('.subscribe-btn').dispatchEvent('tap')
    await flush()
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['TPL-TASK'])
    const post = env.calls.find((c) => c.method === 'POST' && c.url.indexOf('/subscriptions') >= 0)
    expect(post.data).toEqual({ scene: 'inbox', grants: [{ template_id: 'TPL-TASK', decision: 'accept' }] })
    expect(toasts()).toContain('已开启待办提醒')
    expect(page.querySelectorAll('.subscribe-btn')).toHaveLength(0)
    // asked once: not again next time
    await page.instance.onShow()
    await flush()
    expect(page.querySelectorAll('.subscribe-btn')).toHaveLength(0)
  })
})

describe('the tab bar by role', () => {
  test('another tab refreshes a member\'s overdue badge from the 待办 list', async () => {
    tabbar._resetForTests()
    const env = installWx([['GET', '/requests/assigned', page1([req({ overdue: true }), req({ id: 22, overdue: true, status: 'confirmed' }), req({ id: 23 })])]])
    loggedIn(env.store)
    env.store.account = MEMBER
    const bar = { refresh: jest.fn() }
    tabbar.sync({ getTabBar: () => bar }, 'pages/wall/index')
    await flush()
    expect(env.calls.filter((c) => c.url.indexOf('/requests/assigned') >= 0)).toHaveLength(1)
    expect(env.store.inbox_overdue).toBe(1) // closed ones do not count
    expect(bar.refresh).toHaveBeenCalledTimes(2)
    // within a minute: no second fetch
    tabbar.sync({ getTabBar: () => bar }, 'pages/board/index')
    await flush()
    expect(env.calls.filter((c) => c.url.indexOf('/requests/assigned') >= 0)).toHaveLength(1)
    // residents never fetch it
    env.store.account = RESIDENT
    tabbar._resetForTests()
    tabbar.sync({ getTabBar: () => bar }, 'pages/wall/index')
    await flush()
    expect(env.calls.filter((c) => c.url.indexOf('/requests/assigned') >= 0)).toHaveLength(1)
  })

  test('residents: 承诺墙 / 找党员 / 我的诉求 / 我的; members add 记录践诺 and 待办', () => {
    expect(tabbar.tabsFor(RESIDENT).map((t) => t.text)).toEqual(['承诺墙', '找党员', '我的诉求', '我的'])
    expect(tabbar.tabsFor(null).map((t) => t.text)).toEqual(['承诺墙', '找党员', '我的诉求', '我的'])
    const member = tabbar.tabsFor(MEMBER, 3)
    expect(member.map((t) => t.text)).toEqual(['承诺墙', '找党员', '记录践诺', '待办', '我的'])
    expect(member[3].badge).toBe('3')
    expect(tabbar.tabsFor(MEMBER, 0)[3].badge).toBe('')
    // a township admin without a member record: 待办 but no 记录践诺
    const admin = { id: 6, name: '镇组织委员', member: null, roles: [{ role: 'township_admin', org_id: 1, org_name: '东山镇' }] }
    expect(tabbar.tabsFor(admin, 1).map((t) => t.text)).toEqual(['承诺墙', '找党员', '待办', '我的'])
  })

  test('a township admin\'s 待办 and 需求清单 are the township\'s', async () => {
    const admin = { id: 6, name: '镇组织委员', member: null, roles: [{ role: 'township_admin', org_id: 1, org_name: '东山镇' }] }
    const { env, page } = await openInbox(admin, [
      ['GET', '/requests/assigned', page1([req({ id: 41, org_name: '示范镇', assignee: null })])],
      ['GET', '/orgs/1/demands', page1([])],
    ])
    expect(text(page)).toContain('需求清单')
    await page.instance.onSegment({ currentTarget: { dataset: { key: 'demands' } } })
    await flush()
    expect(env.calls.some((c) => c.url.indexOf('/orgs/1/demands') >= 0)).toBe(true)
  })

  test('the custom tab bar renders the resident tabs and switches tab on tap', async () => {
    const env = installWx([])
    env.store.account = RESIDENT
    const simulate = require('miniprogram-simulate')
    const path = require('path')
    const id = simulate.load(path.join(__dirname, '..', 'custom-tab-bar', 'index'), { compiler: 'official', rootPath: path.join(__dirname, '..') })
    const bar = simulate.render(id)
    bar.attach(document.createElement('parent-wrapper'))
    bar.instance.refresh('pages/wall/index')
    await flush()
    expect(bar.querySelectorAll('.tab').map((t) => t.dom.textContent.trim())).toEqual(['承诺墙', '找党员', '我的诉求', '我的'])
    expect(bar.querySelectorAll('.tab-on')).toHaveLength(1)
    bar.querySelectorAll('.tab')[2].dispatchEvent('tap')
    await flush()
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/requests/index' })

    env.store.account = MEMBER
    env.store.inbox_overdue = 2
    bar.instance.refresh('pages/requests/index')
    await flush()
    expect(bar.querySelectorAll('.tab').map((t) => t.dom.textContent.replace(/\s+/g, ''))).toEqual(['承诺墙', '找党员', '记录践诺', '待办2', '我的'])
    expect(bar.querySelectorAll('.tab-badge')).toHaveLength(1)
  })
})

describe('a resident', () => {
  test('sees 我的诉求 only, no inbox segments, no prompt', async () => {
    const { env, page } = await openInbox(RESIDENT, [['GET', '/requests/mine', page1([req({ can: {} })])]])
    expect(env.calls[0].url).toContain('/requests/mine')
    expect(page.querySelectorAll('.segment')).toHaveLength(0)
    expect(page.querySelectorAll('.claim-btn')).toHaveLength(0)
    expect(page.querySelectorAll('.subscribe-btn')).toHaveLength(0)
  })

  test('is asked to allow the answer notice when submitting a request', async () => {
    const env = installWx([
      ['GET', '/subscriptions', json({ items: [{ template_id: 'TPL-ANSWER', scenes: ['request'], title: '诉求答复' }] })],
      ['POST', '/subscriptions', json({ recorded: 1 })],
      ['POST', '/requests', json(req({ id: 40, number: 'Q40' }), 201)],
    ])
    loggedIn(env.store)
    wx.requestSubscribeMessage = jest.fn((o) => setTimeout(() => o.success({ 'TPL-ANSWER': 'reject' }), 0))
    const page = loadPage('request-new')
    page.instance.onLoad({})
    await flush()
    page.instance.onText({ detail: { value: '三组路口的路灯坏了' } })
    await page.instance.onSubmit()
    await flush()
    expect(wx.requestSubscribeMessage.mock.calls[0][0].tmplIds).toEqual(['TPL-ANSWER'])
    const urls = env.calls.filter((c) => c.method === 'POST').map((c) => [c.url.split('/api/v1')[1], c.data])
    expect(urls[0]).toEqual(['/subscriptions', { scene: 'request', grants: [{ template_id: 'TPL-ANSWER', decision: 'reject' }] }])
    expect(urls[1][0]).toBe('/requests')
    expect(toasts()).toContain('已提交，编号 Q40')
  })
})
