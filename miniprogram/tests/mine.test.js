const { installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

const items = [
  commitment({ id: 1, title: '每月给村东生产路树木浇水一次', status: 'published', progress: { percent: 50, state: 'on_track', done: 6, target: 12, label: '已完成 6/12 个月' } }),
  commitment({ id: 2, title: '每年修剪村内花草树木两次', status: 'draft', target_kind: 'count', frequency: null, target_quantity: 2 }),
  commitment({ id: 3, title: '每周宣讲医保政策', status: 'pending_branch', frequency: 'weekly' }),
]

async function openMine(routes) {
  const env = installWx([['GET', '/commitments/mine', json({ items, page: 1, per_page: 20, total: 3 })], ...routes])
  loggedIn(env.store)
  const page = loadPage('mine')
  page.instance.onLoad({})
  await page.instance.onShow()
  await flush()
  return { env, page }
}

describe('我的承诺 page', () => {
  test('shows my commitments with status, target and progress', async () => {
    const { page } = await openMine([])
    const t = text(page)
    expect(t).toContain('每月给村东生产路树木浇水一次')
    expect(t).toContain('已公开')
    expect(t).toContain('50% · 已完成 6/12 个月')
    expect(t).toContain('草稿')
    expect(t).toContain('共 2 次')
    expect(t).toContain('待支部复审')
    expect(t).toContain('每周 1 次')
    // Only the draft can be submitted; published and pending ones can be withdrawn.
    expect(page.querySelectorAll('.submit-btn')).toHaveLength(1)
    expect(page.querySelectorAll('.withdraw-btn')).toHaveLength(2)
  })

  test('提交审核 submits the draft and shows its new status', async () => {
    const { env, page } = await openMine([
      ['POST', '/commitments/2/submit', json(Object.assign({}, items[1], { status: 'pending_group' }))],
    ])
    await page.instance.onSubmit({ currentTarget: { dataset: { id: 2 } } })
    await flush()
    expect(env.calls.some((c) => c.method === 'POST' && c.url.endsWith('/commitments/2/submit'))).toBe(true)
    expect(text(page)).toContain('待党小组初审')
    expect(page.querySelectorAll('.submit-btn')).toHaveLength(0)
  })

  test('a slogan-like draft is refused with the server message', async () => {
    const { page } = await openMine([
      ['POST', '/commitments/2/submit', json({ error: { code: 'not_measurable', message: '承诺缺少可检验的数量，请写明做多少' } }, 400)],
    ])
    await page.instance.onSubmit({ currentTarget: { dataset: { id: 2 } } })
    await flush()
    expect(toasts()).toEqual(['承诺缺少可检验的数量，请写明做多少'])
    expect(text(page)).toContain('草稿')
  })

  test('撤回 asks for a reason and sends it', async () => {
    const { env, page } = await openMine([
      ['POST', '/commitments/3/withdraw', json(Object.assign({}, items[2], { status: 'withdrawn' }))],
    ])
    wx.showModal = jest.fn((o) => o.success({ confirm: true, content: '身体原因' }))
    await page.instance.onWithdraw({ currentTarget: { dataset: { id: 3 } } })
    await flush()
    const call = env.calls.find((c) => c.url.endsWith('/withdraw'))
    expect(call.data).toEqual({ reason: '身体原因' })
    expect(text(page)).toContain('已撤回')

    // An empty reason is not sent.
    wx.showModal = jest.fn((o) => o.success({ confirm: true, content: ' ' }))
    const before = env.calls.length
    await page.instance.onWithdraw({ currentTarget: { dataset: { id: 1 } } })
    expect(env.calls.length).toBe(before)
    expect(toasts()).toContain('请填写撤回原因')
  })

  test('记录践诺 jumps to the log tab with the commitment chosen', async () => {
    const { env, page } = await openMine([])
    page.instance.onLog({ currentTarget: { dataset: { id: 1 } } })
    expect(env.store.log_commitment_id).toBe(1)
    expect(wx.switchTab).toHaveBeenCalledWith({ url: '/pages/log/index' })
  })
})
