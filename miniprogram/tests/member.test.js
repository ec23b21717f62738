const { installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')
const api = require('../utils/api')
const { parseScene, sceneParam } = require('../utils/scene')

beforeEach(() => api._resetForTests())

const CARD = {
  name: '王建国',
  public_code: 'DC009',
  org_name: '东村党支部',
  duties: '党小组长',
  speciality: '水电维修',
  photo_url: null,
  contact: '有事请通过“找他办事”联系',
  commitments: [commitment({ id: 11, title: '为小区居民免费维修水电', unit: '次', progress: { percent: 40, state: 'behind', done: 4, target: 10, label: '进度落后' } })],
  logs: [
    { id: 101, commitment_id: 11, quantity: 1, note: '给张大爷修好了水龙头', happened_on: '2024-05-02', photos: [{ id: 5, url: '/media/5.jpg' }], content_status: 'pass', verified: false, created_at: '2024-05-02T10:00:00+08:00' },
    { id: 102, commitment_id: 11, quantity: 2, note: '换了两个灯泡', happened_on: '2024-05-03', photos: [], content_status: 'pass', verified: true, created_at: '2024-05-03T10:00:00+08:00' },
  ],
}

async function openCard(options, routes, { login = true } = {}) {
  const env = installWx(routes)
  if (login) loggedIn(env.store)
  const page = loadPage('member')
  await page.instance.onLoad(options)
  await flush()
  return { env, page }
}

describe('scene strings', () => {
  test('a scanned code carries the encoded scene; a link carries the parameter', () => {
    expect(parseScene('m%3DDC009')).toEqual({ m: 'DC009' })
    expect(sceneParam({ scene: encodeURIComponent('m=DC009') }, 'm')).toBe('DC009')
    expect(sceneParam({ m: 'DC010', scene: 'm%3DDC009' }, 'm')).toBe('DC010')
    expect(sceneParam({ scene: 'o%3Ddc' }, 'm')).toBe('')
  })
})

describe('党员名片 page', () => {
  test('loads the member card from the scene of a scanned code', async () => {
    const { env, page } = await openCard({ scene: encodeURIComponent('m=DC009') }, [
      ['GET', '/members/DC009/card', json(CARD)],
      ['GET', '/members/DC009/sign-offs', json({ confirmable: [], rated: [] })],
    ])
    const t = text(page)
    expect(t).toContain('王建国')
    expect(t).toContain('东村党支部 · 党小组长')
    expect(t).toContain('为小区居民免费维修水电')
    expect(t).toContain('40% · 进度落后')
    expect(t).toContain('给张大爷修好了水龙头')
    expect(t).toContain('已核实')
    expect(page.querySelector('.bar-fill').dom.className).toContain('state-behind')
    expect(page.dom.querySelectorAll('.main--photo')).toHaveLength(1)
    expect(page.instance.data.logs[0].photos[0].url).toBe('http://127.0.0.1:5000/media/5.jpg')
    // the card is public: no token sent for it
    const cardCall = env.calls.find((c) => c.url.includes('/card'))
    expect(cardCall.header.Authorization).toBeUndefined()
    // no sign-off button for someone the member does not serve
    expect(page.querySelectorAll('.signoff-btn')).toHaveLength(0)
  })

  test('找他办事 opens the request form addressed to this member', async () => {
    const { page } = await openCard({ m: 'DC009' }, [
      ['GET', '/members/DC009/card', json(CARD)],
      ['GET', '/members/DC009/sign-offs', json({ confirmable: [], rated: [] })],
    ])
    page.querySelector('.ask-btn').dispatchEvent('tap')
    await flush()
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/request-new/index?member_code=DC009' })
  })

  test('群众销账 shows only on the logs of the resident served, and posts the confirmation', async () => {
    const { env, page } = await openCard({ m: 'DC009' }, [
      ['GET', '/members/DC009/card', json(CARD)],
      ['GET', '/members/DC009/sign-offs', json({ confirmable: [101], rated: [] })],
      ['POST', '/logs/101/confirm', json({ log: Object.assign({}, CARD.logs[0], { verified: true }), evaluation: { id: 1, kind: 'resident_rating', period: '2024-05', rating: 'satisfied', rating_label: '满意', comment: '', created_at: '2024-05-04T10:00:00+08:00' } })],
    ])
    const buttons = page.querySelectorAll('.signoff-btn')
    expect(buttons).toHaveLength(1)
    expect(buttons[0].dom.dataset.id).toBe('101')
    buttons[0].dispatchEvent('tap')
    await flush()
    const rates = page.querySelectorAll('.signoff-rate')
    expect(rates.map((r) => r.dom.textContent.trim())).toEqual(['满意', '基本满意', '不满意'])
    rates[0].dispatchEvent('tap')
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url).toBe('http://127.0.0.1:5000/api/v1/logs/101/confirm')
    expect(post.data).toEqual({ rating: 'satisfied' })
    expect(toasts()).toContain('已确认，感谢您的评价')
    expect(text(page)).toContain('您已评价：满意')
    expect(page.instance.data.logs[0].verified).toBe(true) // signed off: the log is verified
  })

  test('not signed in: the card still shows and no button appears', async () => {
    const { page } = await openCard({ m: 'DC009' }, [
      ['GET', '/members/DC009/card', json(CARD)],
      ['POST', '/auth/login', json({ error: { code: 'login_failed', message: '微信登录失败' } }, 400)],
    ], { login: false })
    expect(text(page)).toContain('王建国')
    expect(page.querySelectorAll('.signoff-btn')).toHaveLength(0)
    expect(toasts()).toEqual([])
  })

  test('an unknown code says so in Chinese', async () => {
    const { page } = await openCard({ m: 'NOPE' }, [
      ['GET', '/members/NOPE/card', json({ error: { code: 'not_found', message: '找不到这位党员' } }, 404)],
    ])
    expect(text(page)).toContain('没有找到这位党员，请重新扫码')
    expect(toasts()).toContain('找不到这位党员')
  })
})
