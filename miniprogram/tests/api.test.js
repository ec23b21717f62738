const { installWx, loggedIn, json, flush, toasts, BASE } = require('./helpers')
const api = require('../utils/api')

const ME = { id: 1, name: '张三', member: null, roles: [], demo: true }
const loginOk = (token) => json({ token, expires_at: new Date(Date.now() + 7200e3).toISOString(), account: ME })

beforeEach(() => api._resetForTests())

describe('utils/api', () => {
  test('logs in with wx.login when there is no token, stores it and sends it', async () => {
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-new')],
      ['GET', '/me', json(ME)],
    ])
    const me = await api.get('/me')
    expect(me).toEqual(ME)
    expect(wx.login).toHaveBeenCalledTimes(1)
    const [loginCall, meCall] = env.calls
    expect(loginCall.url).toBe(`${BASE}/auth/login`)
    expect(loginCall.data).toEqual({ code: 'wxcode' })
    expect(loginCall.header.Authorization).toBeUndefined()
    expect(meCall.header.Authorization).toBe('Bearer tok-new')
    expect(env.store.token).toBe('tok-new')
    expect(env.store.token_expires_at).toBeTruthy()
  })

  test('uses a stored token without logging in, but logs in again when it has expired', async () => {
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-fresh')],
      ['GET', '/me', json(ME)],
    ])
    loggedIn(env.store, 'tok-old')
    await api.get('/me')
    expect(wx.login).not.toHaveBeenCalled()
    expect(env.calls[0].header.Authorization).toBe('Bearer tok-old')

    env.store.token_expires_at = new Date(Date.now() - 1000).toISOString()
    await api.get('/me')
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(env.calls[env.calls.length - 1].header.Authorization).toBe('Bearer tok-fresh')
  })

  test('on 401 it logs in again once and retries the request once', async () => {
    let meCalls = 0
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-2')],
      ['GET', '/me', (req) => {
        meCalls += 1
        if (req.header.Authorization === 'Bearer tok-1') {
          return { status: 401, body: { error: { code: 'unauthorized', message: '登录已过期，请重新登录' } } }
        }
        return { status: 200, body: ME }
      }],
    ])
    loggedIn(env.store, 'tok-1')
    const me = await api.get('/me')
    expect(me).toEqual(ME)
    expect(meCalls).toBe(2)
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(env.store.token).toBe('tok-2')
    expect(toasts()).toEqual([])
  })

  test('a second 401 is reported, with no endless re-login', async () => {
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-2')],
      ['GET', '/me', json({ error: { code: 'unauthorized', message: '登录已过期，请重新登录' } }, 401)],
    ])
    loggedIn(env.store, 'tok-1')
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'unauthorized', status: 401 })
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(env.calls.filter((c) => c.url.endsWith('/me'))).toHaveLength(2)
    expect(toasts()).toEqual(['登录已过期，请重新登录'])
  })

  test('server errors are shown as a toast with the Chinese message, field errors too', async () => {
    const env = installWx([
      ['POST', '/commitments', json({
        error: { code: 'validation', message: '承诺不够具体', fields: { target_quantity: '请填写目标数量', unit: '请填写单位' } },
      }, 400)],
    ])
    loggedIn(env.store)
    const err = await api.post('/commitments', { title: '为人民服务' }).catch((e) => e)
    expect(err).toBeInstanceOf(api.ApiError)
    expect(err.code).toBe('validation')
    expect(err.fields).toEqual({ target_quantity: '请填写目标数量', unit: '请填写单位' })
    expect(wx.showToast).toHaveBeenCalledTimes(1)
    const arg = wx.showToast.mock.calls[0][0]
    expect(arg.icon).toBe('none')
    expect(arg.title).toBe('承诺不够具体：请填写目标数量；请填写单位')
  })

  test('a server error without a JSON body still gets a Chinese toast', async () => {
    const env = installWx([['GET', '/me', () => ({ status: 502, body: '<html>Bad Gateway</html>' })]])
    loggedIn(env.store)
    await expect(api.get('/me')).rejects.toMatchObject({ status: 502 })
    expect(toasts()[0]).toContain('服务器开小差了')
  })

  test('a network failure is retried once, then reported with a toast', async () => {
    const env = installWx([['GET', '/me', () => 'fail']])
    loggedIn(env.store)
    const err = await api.get('/me').catch((e) => e)
    expect(err.code).toBe('network')
    expect(wx.request).toHaveBeenCalledTimes(2)
    expect(toasts()).toEqual(['网络不通，请检查网络后重试'])
  })

  test('a single network blip is retried silently', async () => {
    let n = 0
    const env = installWx([['GET', '/me', () => (++n === 1 ? 'fail' : { status: 200, body: ME })]])
    loggedIn(env.store)
    await expect(api.get('/me')).resolves.toEqual(ME)
    expect(wx.request).toHaveBeenCalledTimes(2)
    expect(toasts()).toEqual([])
  })

  test('a network failure during login is reported too', async () => {
    installWx([['POST', '/auth/login', () => 'fail']])
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'network' })
    expect(toasts()).toEqual(['网络不通，请检查网络后重试'])
  })

  test('wx.login failing is reported in Chinese', async () => {
    installWx([])
    wx.login = jest.fn((opts) => setTimeout(() => opts.fail({ errMsg: 'login:fail' }), 0))
    await expect(api.get('/me')).rejects.toMatchObject({ code: 'login_failed' })
    expect(toasts()).toEqual(['微信登录失败，请稍后重试'])
  })

  test('concurrent requests share a single login', async () => {
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-x')],
      ['GET', '/me', json(ME)],
      ['GET', '/requests/mine', json({ items: [], page: 1, per_page: 20, total: 0 })],
    ])
    await Promise.all([api.get('/me'), api.get('/requests/mine')])
    expect(wx.login).toHaveBeenCalledTimes(1)
    expect(env.calls.filter((c) => c.url.endsWith('/auth/login'))).toHaveLength(1)
  })

  test('public reads carry no token and never log in', async () => {
    const env = installWx([['GET', '/orgs', json({ items: [], page: 1, per_page: 20, total: 0 })]])
    await api.get('/orgs', { auth: false, query: { kind: 'branch' } })
    expect(wx.login).not.toHaveBeenCalled()
    expect(env.calls[0].header.Authorization).toBeUndefined()
    expect(env.calls[0].url).toBe(`${BASE}/orgs?kind=branch`)
  })

  test('upload sends the file with the token and parses the JSON answer', async () => {
    const env = installWx([['UPLOAD', '/uploads', json({ id: 42, url: '/media/42.jpg' }, 201)]])
    loggedIn(env.store, 'tok-u')
    const res = await api.upload('wxfile://tmp/a.jpg')
    expect(res).toEqual({ id: 42, url: '/media/42.jpg' })
    const call = wx.uploadFile.mock.calls[0][0]
    expect(call.url).toBe(`${BASE}/uploads`)
    expect(call.name).toBe('file')
    expect(call.filePath).toBe('wxfile://tmp/a.jpg')
    expect(call.header.Authorization).toBe('Bearer tok-u')
  })

  test('upload re-logs in on 401 and reports server errors', async () => {
    let n = 0
    const env = installWx([
      ['POST', '/auth/login', loginOk('tok-new')],
      ['UPLOAD', '/uploads', (req) => {
        n += 1
        if (req.header.Authorization !== 'Bearer tok-new') return { status: 401, body: { error: { code: 'unauthorized', message: '请重新登录' } } }
        return { status: 400, body: { error: { code: 'bad_image', message: '只能上传图片' } } }
      }],
    ])
    loggedIn(env.store, 'tok-old')
    await expect(api.upload('x.txt')).rejects.toMatchObject({ code: 'bad_image' })
    expect(n).toBe(2)
    expect(toasts()).toEqual(['只能上传图片'])
  })

  test('pagination helpers follow {items,page,per_page,total}', async () => {
    const all = Array.from({ length: 5 }, (_, i) => ({ id: i + 1 }))
    const env = installWx([
      ['GET', '/requests/mine', (req) => {
        const page = Number(req.query.page)
        const per = Number(req.query.per_page)
        return { status: 200, body: { items: all.slice((page - 1) * per, page * per), page, per_page: per, total: all.length } }
      }],
    ])
    loggedIn(env.store)

    const first = await api.getPage('/requests/mine', { page: 1, perPage: 2 })
    expect(first).toMatchObject({ page: 1, per_page: 2, total: 5, hasMore: true })
    expect(first.items.map((x) => x.id)).toEqual([1, 2])

    const pager = api.createPager('/requests/mine', { perPage: 2 })
    await pager.reset()
    await pager.next()
    expect(pager.items.map((x) => x.id)).toEqual([1, 2, 3, 4])
    expect(pager.hasMore).toBe(true)
    await pager.next()
    expect(pager.items.map((x) => x.id)).toEqual([1, 2, 3, 4, 5])
    expect(pager.hasMore).toBe(false)
    const before = env.calls.length
    await pager.next()
    expect(env.calls.length).toBe(before)

    const everything = await api.getAll('/requests/mine', { perPage: 2 })
    expect(everything).toHaveLength(5)
  })

  test('demo login stores the session', async () => {
    const env = installWx([['POST', '/auth/demo-login', loginOk('tok-demo')]])
    const res = await api.demoLogin({ role: 'member' })
    expect(res.token).toBe('tok-demo')
    expect(env.calls[0].data).toEqual({ role: 'member' })
    expect(env.store.token).toBe('tok-demo')
    await flush()
  })
})
