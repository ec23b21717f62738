const { BASE, installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

function logToVerify(overrides = {}) {
  return Object.assign(
    {
      id: 501,
      commitment_id: 41,
      quantity: 3,
      note: '给东头三户老人挑水',
      happened_on: '2024-05-03',
      photos: [],
      content_status: 'not_checked',
      verified: false,
      created_at: '2024-05-03T09:30:00+08:00',
      member_name: '王建国',
      commitment_title: '每周为独居老人挑水',
      unit: '户',
      org_name: '东村党支部',
    },
    overrides
  )
}

const LOG_QUEUE = json({
  items: [
    logToVerify({ photos: [{ id: 9, url: '/media/abc.jpg' }] }),
    logToVerify({ id: 502, member_name: '李秀英', commitment_title: '每月打扫村道一次', quantity: 1, unit: '次', note: '' }),
  ],
  page: 1, per_page: 20, total: 2,
})

async function openReview(routes = []) {
  const env = installWx([
    ...routes,
    ['GET', '/reviews/logs', LOG_QUEUE],
    ['GET', '/reviews/queue', json({
      items: [
        commitment({ id: 41, title: '每月走访困难户一次', status: 'pending_group' }),
        commitment({ id: 42, title: '为人民服务', status: 'pending_branch', target_kind: 'count', frequency: null }),
      ],
      page: 1, per_page: 20, total: 2,
    })],
  ])
  loggedIn(env.store)
  const page = loadPage('review')
  await page.instance.onShow()
  await flush()
  return { env, page }
}

describe('审核 page', () => {
  test('shows the queue', async () => {
    const { page } = await openReview()
    const t = text(page)
    expect(t).toContain('待审核 2 条')
    expect(t).toContain('每月走访困难户一次')
    expect(t).toContain('待党小组初审')
    expect(t).toContain('待支部复审')
    expect(page.querySelectorAll('.approve-btn')).toHaveLength(2)
  })

  test('通过 approves and removes the item', async () => {
    const { env, page } = await openReview([['POST', '/commitments/41/review', json(commitment({ id: 41, status: 'pending_branch' }))]])
    await page.instance.onApprove({ currentTarget: { dataset: { id: 41 } } })
    await flush()
    expect(env.calls.find((c) => c.method === 'POST').data).toEqual({ decision: 'approve', reason: '' })
    expect(text(page)).not.toContain('每月走访困难户一次')
    expect(text(page)).toContain('待审核 1 条')
  })

  test('退回 requires a reason before anything is sent', async () => {
    const { env, page } = await openReview([['POST', '/commitments/42/review', json(commitment({ id: 42, status: 'draft' }))]])
    page.instance.onStartReject({ currentTarget: { dataset: { id: 42 } } })
    await flush()
    expect(page.querySelectorAll('.confirm-reject-btn')).toHaveLength(1)
    await page.instance.onConfirmReject()
    expect(env.calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    expect(toasts()).toEqual(['请填写退回理由'])
    expect(text(page)).toContain('请填写退回理由，告诉对方要怎么改')

    page.instance.onReason({ detail: { value: '没有可检验的数量，请写明每月做几次' } })
    await page.instance.onConfirmReject()
    await flush()
    expect(env.calls.find((c) => c.method === 'POST').data).toEqual({ decision: 'reject', reason: '没有可检验的数量，请写明每月做几次' })
    expect(text(page)).not.toContain('为人民服务')
  })

  test('a reviewer who may not review sees the server message', async () => {
    const { page } = await openReview([
      ['POST', '/commitments/41/review', json({ error: { code: 'forbidden', message: '不能审核自己的承诺' } }, 403)],
    ])
    await page.instance.onApprove({ currentTarget: { dataset: { id: 41 } } })
    expect(toasts()).toEqual(['不能审核自己的承诺'])
    expect(text(page)).toContain('每月走访困难户一次')
  })
})

describe('审核 page: 待核实践诺', () => {
  async function openLogs(routes = []) {
    const opened = await openReview(routes)
    opened.page.instance.onTab({ currentTarget: { dataset: { tab: 'logs' } } })
    await flush()
    return opened
  }

  test('both queues load on show; the tabs show their counts', async () => {
    const { env, page } = await openReview()
    const gets = env.calls.filter((c) => c.method === 'GET').map((c) => c.url.split('?')[0])
    expect(gets).toEqual(expect.arrayContaining([`${BASE}/reviews/queue`, `${BASE}/reviews/logs`]))
    expect(page.querySelector('.tab-logs').dom.textContent).toContain('待核实践诺')
    expect(page.querySelector('.tab-logs').dom.textContent).toContain('2')
    // The commitment tab is shown first; the logs are not rendered until the tab is chosen.
    expect(page.querySelectorAll('.verify-btn')).toHaveLength(0)
  })

  test('the queue renders member, commitment, quantity with unit, date, note and photos', async () => {
    const { page } = await openLogs()
    const t = text(page)
    expect(t).toContain('待核实 2 条')
    expect(t).toContain('王建国')
    expect(t).toContain('承诺：每周为独居老人挑水')
    expect(t).toContain('3 户')
    expect(t).toContain('2024-05-03')
    expect(t).toContain('给东头三户老人挑水')
    expect(t).toContain('李秀英')
    expect(t).toContain('1 次')
    expect(t).not.toContain('每月走访困难户一次') // the other tab is hidden
    expect(page.querySelectorAll('.verify-btn')).toHaveLength(2)
    expect(page.querySelectorAll('.photo')).toHaveLength(1) // a thumbnail for the one photo
    const url = 'http://127.0.0.1:5000/media/abc.jpg'
    expect(page.instance.data.logs[0].photos[0].url).toBe(url)
    page.instance.onPreview({ currentTarget: { dataset: { url, urls: [url] } } })
    expect(wx.previewImage).toHaveBeenCalledWith({ urls: [url], current: url })
  })

  test('核实 asks once, calls POST /logs/{id}/verify through the wrapper and removes the item', async () => {
    const { env, page } = await openLogs([
      ['POST', '/logs/501/verify', json(logToVerify({ verified: true }))],
    ])
    await page.instance.onVerify({ currentTarget: { dataset: { id: 501 } } })
    await flush()
    expect(wx.showModal).toHaveBeenCalledTimes(1)
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url).toBe(`${BASE}/logs/501/verify`)
    expect(post.header.Authorization).toBe('Bearer tok-1')
    expect(toasts()).toEqual(['已核实'])
    const t = text(page)
    expect(t).not.toContain('王建国')
    expect(t).toContain('李秀英')
    expect(t).toContain('待核实 1 条')
    expect(page.querySelectorAll('.verify-btn')).toHaveLength(1)
  })

  test('cancelling the confirmation sends nothing', async () => {
    const { env, page } = await openLogs()
    wx.showModal = jest.fn((o) => o.success({ confirm: false, cancel: true }))
    await page.instance.onVerify({ currentTarget: { dataset: { id: 501 } } })
    await flush()
    expect(env.calls.filter((c) => c.method === 'POST')).toHaveLength(0)
    expect(text(page)).toContain('王建国')
  })

  test('an API error is shown as a toast and the item stays', async () => {
    const { page } = await openLogs([
      ['POST', '/logs/501/verify', json({ error: { code: 'forbidden', message: '不能核实自己的践诺记录' } }, 403)],
    ])
    await page.instance.onVerify({ currentTarget: { dataset: { id: 501 } } })
    await flush()
    expect(toasts()).toEqual(['不能核实自己的践诺记录'])
    expect(text(page)).toContain('王建国')
    expect(page.instance.data.verifyingId).toBe(0)
  })

  test('an empty queue says so', async () => {
    const { page } = await openLogs([
      ['GET', '/reviews/logs', json({ items: [], page: 1, per_page: 20, total: 0 })],
    ])
    expect(text(page)).toContain('没有待核实的践诺')
    expect(page.querySelectorAll('.verify-btn')).toHaveLength(0)
  })

  test('scrolling to the bottom loads the next page of logs', async () => {
    const first = { items: [logToVerify()], page: 1, per_page: 1, total: 2 }
    const second = { items: [logToVerify({ id: 502, member_name: '李秀英' })], page: 2, per_page: 1, total: 2 }
    const { env, page } = await openLogs([
      ['GET', '/reviews/logs', (req) => ({ status: 200, body: req.query.page === '2' ? second : first })],
    ])
    await page.instance.onReachBottom()
    await flush()
    const pages = env.calls.filter((c) => c.url.includes('/reviews/logs')).map((c) => c.query.page)
    expect(pages).toEqual(['1', '2'])
    expect(text(page)).toContain('李秀英')
  })
})
