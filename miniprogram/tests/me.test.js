const { installWx, loggedIn, json, loadPage, flush, text, toasts } = require('./helpers')
const api = require('../utils/api')

const RESIDENT = { id: 1, name: '微信用户', member: null, roles: [], demo: true }
const SECRETARY = {
  id: 2,
  name: '王建国',
  member: { id: 9, name: '王建国', org_id: 3, org_name: '东村党支部', public_code: 'DC009' },
  roles: [{ role: 'secretary', org_id: 3, org_name: '东村党支部' }],
  demo: true,
}

beforeEach(() => api._resetForTests())

async function openMe(routes, { login = true } = {}) {
  const env = installWx(routes)
  if (login) loggedIn(env.store)
  const page = loadPage('me')
  await page.instance.onShow()
  await flush()
  return { env, page }
}

describe('我的 page', () => {
  test('logs in automatically and shows a resident with the bind options', async () => {
    const { page } = await openMe([
      ['POST', '/auth/login', json({ token: 't', expires_at: new Date(Date.now() + 3600e3).toISOString(), account: RESIDENT })],
      ['GET', '/me', json(RESIDENT)],
    ], { login: false })
    expect(wx.login).toHaveBeenCalledTimes(1)
    const t = text(page)
    expect(t).toContain('群众（未绑定党员身份）')
    expect(t).toContain('手机号一键绑定')
    expect(t).toContain('演示登录')
    expect(page.querySelectorAll('.review-link')).toHaveLength(0)
    expect(page.querySelectorAll('.content-review-link')).toHaveLength(0)
  })

  test('shows a member with roles and the review entry', async () => {
    const { page } = await openMe([['GET', '/me', json(SECRETARY)]])
    const t = text(page)
    expect(t).toContain('王建国')
    expect(t).toContain('东村党支部 · 党员')
    expect(t).toContain('支部书记')
    expect(page.querySelectorAll('.review-link')).toHaveLength(1)
    expect(page.querySelectorAll('.content-review-link')).toHaveLength(1) // a secretary decides held texts
    expect(page.querySelectorAll('.bind')).toHaveLength(0)
  })

  test('binds by bind code', async () => {
    const { env, page } = await openMe([['GET', '/me', json(RESIDENT)], ['POST', '/me/bind', json(SECRETARY)]])
    page.instance.onBindCodeInput({ detail: { value: ' 8K3M2Q ' } })
    await page.instance.onBindCode()
    await flush()
    expect(env.calls.find((c) => c.method === 'POST').data).toEqual({ bind_code: '8K3M2Q' })
    expect(text(page)).toContain('东村党支部 · 党员')
  })

  test('a wrong bind code shows the server message', async () => {
    const { page } = await openMe([
      ['GET', '/me', json(RESIDENT)],
      ['POST', '/me/bind', json({ error: { code: 'bad_bind_code', message: '绑定码不对或已过期，请向支部书记重新索取' } }, 400)],
    ])
    page.instance.onBindCodeInput({ detail: { value: 'XXXX' } })
    await page.instance.onBindCode()
    expect(toasts()).toEqual(['绑定码不对或已过期，请向支部书记重新索取'])
  })

  test('binds by phone number through the getPhoneNumber button', async () => {
    const { env, page } = await openMe([['GET', '/me', json(RESIDENT)], ['POST', '/me/bind-phone', json(SECRETARY)]])
    const btn = page.querySelector('.phone-btn')
    expect(btn.dom.textContent).toContain('手机号一键绑定')
    // WeChat fires `getphonenumber` on the open-type button with a one-time code.
    btn.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'phonecode' } })
    await flush()
    expect(env.calls.find((c) => c.method === 'POST').data).toEqual({ code: 'phonecode' })
    expect(text(page)).toContain('东村党支部 · 党员')
    // Denied: nothing sent, no error toast.
    const before = env.calls.length
    await page.instance.onGetPhoneNumber({ detail: { errMsg: 'getPhoneNumber:fail user deny' } })
    expect(env.calls.length).toBe(before)
  })

  test('a resident links the household by phone with consent, then unlinks', async () => {
    const LINKED = Object.assign({}, RESIDENT, {
      demo: false,
      household: { id: 5, address: '东村12号', org_id: 3, org_name: '东村党支部', linked_via: 'phone', consent_at: null, linked_members: ['张卫东'] },
    })
    const { env, page } = await openMe([
      ['GET', '/me', json(Object.assign({}, RESIDENT, { demo: false, household: null }))],
      ['POST', '/me/household', json(LINKED)],
      ['DELETE', '/me/household', json(Object.assign({}, RESIDENT, { household: null }))],
    ])
    expect(text(page)).toContain('我的户')
    page.instance.onToggleConsent()
    const btn = page.querySelector('.household-phone-btn')
    btn.dispatchEvent('getphonenumber', { detail: { errMsg: 'getPhoneNumber:ok', code: 'pc' } })
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url).toMatch(/\/me\/household$/)
    expect(post.data).toEqual({ phone_code: 'pc', consent: true })
    expect(text(page)).toContain('东村12号')
    expect(text(page)).toContain('联户党员：张卫东')
    await page.instance.onUnlinkHousehold()
    await flush()
    expect(env.calls.some((c) => c.method === 'DELETE')).toBe(true)
    expect(text(page)).toContain('用户码绑定')
  })

  test('a resident links the household by the 连心卡 code', async () => {
    const { env, page } = await openMe([
      ['GET', '/me', json(RESIDENT)],
      ['POST', '/me/household', json(Object.assign({}, RESIDENT, { household: { id: 5, address: '东村12号', org_id: 3, org_name: '东村党支部', linked_via: 'code', consent_at: null, linked_members: [] } }))],
    ])
    page.instance.onHouseholdCodeInput({ detail: { value: ' K7M2Q9XA ' } })
    await page.instance.onHouseholdCode()
    await flush()
    expect(env.calls.find((c) => c.method === 'POST').data).toEqual({ bind_code: 'K7M2Q9XA' })
    expect(text(page)).toContain('东村党支部 · 东村12号')
  })

  test('demo login switches the account', async () => {
    let me = RESIDENT
    const { env, page } = await openMe([
      ['GET', '/me', () => ({ status: 200, body: me })],
      ['POST', '/auth/demo-login', () => {
        me = SECRETARY
        return { status: 200, body: { token: 'demo-tok', expires_at: new Date(Date.now() + 3600e3).toISOString(), account: SECRETARY } }
      }],
    ])
    const buttons = page.querySelectorAll('.demo-btn')
    expect(buttons.map((b) => b.dom.textContent.trim())).toEqual(['以群众身份体验', '以党员身份体验', '以支部书记身份体验', '以街镇管理员身份体验'])
    await page.instance.onDemoLogin({ currentTarget: { dataset: { role: 'secretary' } } })
    await flush()
    expect(env.calls.find((c) => c.url.endsWith('/auth/demo-login')).data).toEqual({ role: 'secretary' })
    expect(env.store.token).toBe('demo-tok')
    expect(env.calls[env.calls.length - 1].header.Authorization).toBe('Bearer demo-tok')
    expect(text(page)).toContain('支部书记')
  })

  test('demo login outside demo mode shows the refusal', async () => {
    const { page } = await openMe([
      ['GET', '/me', json(RESIDENT)],
      ['POST', '/auth/demo-login', json({ error: { code: 'forbidden', message: '当前不是演示环境' } }, 403)],
    ])
    await page.instance.onDemoLogin({ currentTarget: { dataset: { role: 'member' } } })
    expect(toasts()).toEqual(['当前不是演示环境'])
  })

  test('when the server cannot be reached the page says so and offers a retry', async () => {
    const { page } = await openMe([['GET', '/me', () => 'fail']])
    expect(toasts()).toEqual(['网络不通，请检查网络后重试'])
    expect(text(page)).toContain('还没有登录')
    expect(page.instance.data.failed).toBe(true)
  })
})
