const { installWx, loggedIn, json, loadPage, flush, text } = require('./helpers')

const households = {
  is_member: true,
  items: [
    { id: 11, code: 'DC001', address: '东村1号', head_name: '张*华', visited_this_month: true },
    { id: 12, code: 'DC002', address: '东村2号', head_name: '刘*明', visited_this_month: false },
  ],
  linked: 2, visited: 1, percent: 50,
}
const visitsBody = {
  items: [{ id: 1, visited_on: '2026-12-01', member_id: 7, member_name: '王建国', household_id: 11,
    household_code: 'DC001', address: '东村1号', head_name: '张*华', note: '问了低保申请进度',
    photo_url: null, location_label: '' }],
  page: 1, per_page: 100, total: 1,
}

async function open(env) {
  loggedIn(env.store)
  const page = loadPage('visit')
  await page.instance.onShow()
  await flush()
  return page
}

describe('联户走访 page', () => {
  test('a member sees coverage, picks a linked household, adds photo and location, submits', async () => {
    const env = installWx([
      ['GET', '/me/households', json(households)],
      ['GET', '/visits', json(visitsBody)],
      ['UPLOAD', '/uploads', json({ id: 55, url: '/media/55.jpg' }, 201)],
      ['POST', '/visits', json(Object.assign({}, visitsBody.items[0], { id: 2 }), 201)],
    ])
    wx.chooseMedia = jest.fn((o) => setTimeout(() => o.success({ tempFiles: [{ tempFilePath: 'wxfile://v.jpg' }] }), 0))
    wx.chooseLocation = jest.fn((o) => setTimeout(() => o.success({ latitude: 28.1, longitude: 112.9, name: '东村2组' }), 0))
    const page = await open(env)
    expect(text(page)).toContain('本月已走访 1/2 户')
    expect(text(page)).toContain('走访覆盖率 50%')
    expect(text(page)).toContain('问了低保申请进度')

    page.instance.onPick({ detail: { value: 1 } })
    page.instance.onNote({ detail: { value: ' 调解了宅基地纠纷 ' } })
    await page.instance.onPhoto()
    await page.instance.onLocation()
    await flush()
    await page.instance.onSubmit()
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url).toMatch(/\/visits$/)
    expect(post.data).toEqual({ household_id: 12, note: '调解了宅基地纠纷', photo_id: 55,
      latitude: 28.1, longitude: 112.9, location_label: '东村2组' })
    expect(page.instance.data.note).toBe('')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已记录走访' }))
  })

  test('an empty note is refused on the page, nothing is posted', async () => {
    const env = installWx([['GET', '/me/households', json(households)], ['GET', '/visits', json(visitsBody)]])
    const page = await open(env)
    page.instance.onNote({ detail: { value: ' ' } })
    await page.instance.onSubmit()
    expect(env.calls.some((c) => c.method === 'POST')).toBe(false)
  })

  test('a resident sees the visits to their home, without a form', async () => {
    const env = installWx([
      ['GET', '/me/households', json({ is_member: false, items: [], linked: 0, visited: 0, percent: null })],
      ['GET', '/visits', json(visitsBody)],
    ])
    const page = await open(env)
    const t = text(page)
    expect(t).toContain('联户党员到我家的走访')
    expect(t).toContain('王建国')
    expect(t).not.toContain('记录走访')
    expect(page.querySelector('.household-picker')).toBeUndefined()
  })
})

describe('entries on 我的', () => {
  test('a member finds 联户走访 and 主题党日; a linked resident finds their home visits', async () => {
    const me = { id: 2, name: '王建国', member: { id: 1, name: '王建国', org_id: 3, org_name: '东村党支部', public_code: 'x' }, roles: [], demo: true, household: null }
    let env = installWx([['GET', '/me', json(me)]])
    loggedIn(env.store)
    let page = loadPage('me')
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('联户走访')
    expect(text(page)).toContain('主题党日')
    const resident = { id: 5, name: '张', member: null, roles: [], demo: true,
      household: { id: 11, code: 'DC001', address: '东村1号', org_name: '东村党支部', linked_members: [{ id: 1, name: '王建国' }] } }
    env = installWx([['GET', '/me', json(resident)]])
    loggedIn(env.store)
    page = loadPage('me')
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('联户党员到我家的走访')
    expect(text(page)).not.toContain('主题党日')
  })
})
