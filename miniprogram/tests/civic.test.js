const { installWx, loggedIn, json, loadPage, flush, text, toasts } = require('./helpers')

const BOOK = {
  bound: true,
  balance: 20,
  per: 'household',
  entries: [
    { at: '2026-11-20T09:30:00+08:00', points: -15, kind: 'exchange', reason: '便民服务中心兑换洗衣粉一袋' },
    { at: '2026-11-10T19:00:00+08:00', points: 10, kind: 'award', reason: '暴雨夜组织邻居抢收稻谷' },
  ],
}
const CATALOGUE = [
  { id: 1, name: '便民服务中心', address: '村部一楼', days: '每月5、20日', open_today: true,
    goods: [{ id: 7, name: '洗衣粉一袋', price: 15, stock: 3 }, { id: 8, name: '食用油一桶', price: 50, stock: 0 }] },
]

describe('文明存折', () => {
  test('shows the balance and the entries, and the code to show at the counter', async () => {
    const env = installWx([
      ['GET', '/civic/book', json(BOOK)],
      ['POST', '/civic/book/token', json({ token: 'cvABC', expires_at: '2026-12-01T10:05:00+08:00',
        qr_url: 'http://127.0.0.1:5000/civic/code/cvABC.png' }, 201)],
    ])
    loggedIn(env.store)
    const page = loadPage('civic')
    await page.instance.onShow()
    await flush()
    const t = text(page)
    expect(t).toContain('我家的文明存折')
    expect(t).toContain('20 分')
    expect(t).toContain('暴雨夜组织邻居抢收稻谷')
    expect(t).toContain('+10')
    expect(t).toContain('-15')
    expect(page.querySelectorAll('.counter')).toHaveLength(0) // not an officer
    await page.instance.onShowCode()
    await flush()
    expect(page.instance.data.code.qr_url).toBe('http://127.0.0.1:5000/civic/code/cvABC.png')
    expect(page.querySelectorAll('.qr')).toHaveLength(1)
    expect(text(page)).toContain('只能用一次')
  })

  test('a resident without a household is told how to get a book', async () => {
    const env = installWx([
      ['GET', '/civic/book', json({ bound: false, balance: 0, per: 'household', entries: [] })],
    ])
    loggedIn(env.store)
    const page = loadPage('civic')
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('绑定自家户（连心卡）后就有文明存折了')
    expect(page.querySelectorAll('.show-code-btn')).toHaveLength(0)
  })

  test('an officer scans a code and the good is redeemed; a refusal is shown', async () => {
    const redeem = jest.fn()
      .mockReturnValueOnce({ status: 201, body: { redemption_id: 3, balance: 5, stock: 2 } })
      .mockReturnValueOnce({ status: 409, body: { error: { code: 'conflict', message: '这个兑换码已经用过了，请群众重新出示' } } })
    const env = installWx([
      ['GET', '/civic/book', json({ bound: false, balance: 0, per: 'household', entries: [] })],
      ['GET', '/civic/catalogue', json(CATALOGUE)],
      ['POST', '/civic/redeem', redeem],
    ])
    loggedIn(env.store)
    env.store.account = { roles: [{ role: 'secretary', org_id: 3 }] }
    wx.scanCode = jest.fn((opts) => opts.success({ result: 'cvABC' }))
    const page = loadPage('civic')
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('便民服务中心 · 洗衣粉一袋（15 分，剩 3）')
    await page.instance.onScan()
    await flush()
    const posted = env.calls.filter((c) => c.url.endsWith('/civic/redeem'))
    expect(posted[0].data).toEqual({ token: 'cvABC', good_id: 7 })
    expect(text(page)).toContain('已兑换 洗衣粉一袋，群众余 5 分，库存剩 2')
    await page.instance.onScan()
    await flush()
    expect(toasts()).toContain('这个兑换码已经用过了，请群众重新出示')
  })
})

describe('议事', () => {
  test('lists the village items and raises a new one', async () => {
    const items = [{ number: 'YS0001', text: '村口路灯太暗', status: 'scheduled', status_label: '已列入议事会', url: '' }]
    const env = installWx([
      ['GET', '/civic/agenda', json(items)],
      ['POST', '/civic/agenda', json({ number: 'YS0002', text: '垃圾点挪走', status: 'raised', status_label: '已提出', url: '' }, 201)],
    ])
    loggedIn(env.store)
    const page = loadPage('agenda')
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('村口路灯太暗')
    expect(text(page)).toContain('已列入议事会')
    page.instance.onText({ detail: { value: '短' } })
    await page.instance.onSubmit()
    expect(text(page)).toContain('请写明要商议的事情')
    page.instance.onText({ detail: { value: '村口垃圾点太近，建议挪到路东' } })
    await page.instance.onSubmit()
    await flush()
    const posted = env.calls.filter((c) => c.method === 'POST')
    expect(posted[0].data).toEqual({ text: '村口垃圾点太近，建议挪到路东' })
    expect(toasts()).toContain('已提交 YS0002')
    page.instance.onOpen({ currentTarget: { dataset: { number: 'YS0001' } } })
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/agenda-detail/index?number=YS0001' })
  })

  test('the item page shows the path and the progress, and a household votes once', async () => {
    const item = {
      number: 'YS0001', text: '村口路灯太暗', status: 'scheduled', status_label: '已列入议事会', url: '',
      votes: { for: 5, against: 1, abstain: 0 }, households: 6, decision: '', outcome_label: '',
      commitment_id: null, progress_percent: null, progress_label: '',
      steps: [{ at: '2026-12-01T10:00:00+08:00', label: '提出议事', who: '张**', note: '' }],
    }
    const vote = jest.fn()
      .mockReturnValueOnce({ status: 200, body: { counted: true, choice: 'for', households: 7 } })
      .mockReturnValueOnce({ status: 200, body: { counted: false, choice: 'for', households: 7 } })
    const env = installWx([
      ['GET', '/civic/agenda/YS0001', json(item)],
      ['POST', '/civic/agenda/YS0001/vote', vote],
    ])
    loggedIn(env.store)
    const page = loadPage('agenda-detail')
    await page.instance.onLoad({ number: 'YS0001' })
    await flush()
    expect(text(page)).toContain('6 户表决：同意 5，反对 1，弃权 0')
    expect(text(page)).toContain('提出议事 · 张**')
    const buttons = page.querySelectorAll('.vote-btn')
    expect(buttons.map((b) => b.dom.textContent.trim())).toEqual(['同意', '反对', '弃权'])
    await page.instance.onVote({ currentTarget: { dataset: { choice: 'for' } } })
    await flush()
    expect(text(page)).toContain('已记下您家的表决：同意')
    await page.instance.onVote({ currentTarget: { dataset: { choice: 'against' } } })
    await flush()
    expect(text(page)).toContain('您家已经表决过（同意），每户一票')
  })

  test('a decided item shows its commitment progress and no vote buttons', async () => {
    const env = installWx([['GET', '/civic/agenda/YS0001', json({
      number: 'YS0001', text: '村口路灯太暗', status: 'decided', status_label: '已议决', url: '',
      votes: { for: 5, against: 1, abstain: 0 }, households: 6, decision: '加装路灯 4 盏',
      outcome_label: '转为支部承诺', commitment_id: 9, progress_percent: 25, progress_label: '正常推进', steps: [],
    })]])
    loggedIn(env.store)
    const page = loadPage('agenda-detail')
    await page.instance.onLoad({ number: 'YS0001' })
    await flush()
    expect(text(page)).toContain('议决：加装路灯 4 盏（转为支部承诺）')
    expect(text(page)).toContain('支部承诺 正常推进 · 25%')
    page.instance.onOpenCommitment()
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/commitment-detail/index?id=9' })
    expect(page.querySelectorAll('.vote-btn')).toHaveLength(0)
  })
})
