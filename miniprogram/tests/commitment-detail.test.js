const { installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

describe('承诺详情 page', () => {
  test('shows progress, the review timeline (with the rejection reason) and the logs', async () => {
    const env = installWx([
      ['GET', '/commitments/5', json(Object.assign(commitment({ id: 5, title: '每月走访联系户一次' }), {
        timeline: [
          { at: '2024-01-02T09:00:00+08:00', actor: '李书记', action: 'rejected', label: '支部复审退回', note: '请写明联系哪几户' },
          { at: '2024-01-05T09:00:00+08:00', actor: '街镇', action: 'published', label: '街镇备案，已公开', note: '' },
        ],
      }))],
      ['GET', '/commitments/5/logs', json({
        items: [{ id: 1, quantity: 2, note: '走访了王大爷和李奶奶家', happened_on: '2024-03-02', photos: [{ id: 9, url: '/media/9.jpg' }], created_at: '2024-03-02T10:00:00+08:00' }],
        page: 1, per_page: 20, total: 1,
      })],
    ])
    loggedIn(env.store)
    const page = loadPage('commitment-detail')
    await page.instance.onLoad({ id: '5' })
    await flush()
    const t = text(page)
    expect(t).toContain('每月走访联系户一次')
    expect(t).toContain('40% · 已完成 4/10 个月')
    expect(t).toContain('支部复审退回')
    expect(t).toContain('请写明联系哪几户')
    expect(t).toContain('走访了王大爷和李奶奶家')
    expect(t).toContain('× 2')
    expect(page.instance.data.logs[0].photos[0].url).toBe('http://127.0.0.1:5000/media/9.jpg')
  })
})

describe('editing my own log within the window', () => {
  const ME = { id: 5, name: '王建国', member: { id: 7, name: '王建国', org_id: 3, org_name: '东村党支部', public_code: 'DC007' }, roles: [] }
  const recent = () => new Date(Date.now() - 3600 * 1000).toISOString()
  const old = () => new Date(Date.now() - 72 * 3600 * 1000).toISOString()

  async function open(account, logs, routes = []) {
    const env = installWx([
      ['GET', '/commitments/5', json(Object.assign(commitment({ id: 5, member_id: 7 }), { timeline: [] }))],
      ['GET', '/commitments/5/logs', json({ items: logs, page: 1, per_page: 20, total: logs.length })],
      ...routes,
    ])
    loggedIn(env.store)
    env.store.account = account
    const page = loadPage('commitment-detail')
    await page.instance.onLoad({ id: '5' })
    await flush()
    return { env, page }
  }

  const log = (id, createdAt, extra = {}) => Object.assign({ id, commitment_id: 5, quantity: 2, note: '浇了水', happened_on: '2024-03-02', photos: [], verified: false, created_at: createdAt }, extra)

  test('修改 and 删除 only on my recent unverified logs', async () => {
    const { page } = await open(ME, [log(1, recent()), log(2, old()), log(3, recent(), { verified: true })])
    expect(page.querySelectorAll('.edit-log')).toHaveLength(1)
    expect(page.querySelectorAll('.delete-log')).toHaveLength(1)
    expect(page.querySelector('.edit-log').dom.dataset.id).toBe('1')
  })

  test('nobody else gets the buttons', async () => {
    const other = Object.assign({}, ME, { member: Object.assign({}, ME.member, { id: 8 }) })
    const { page } = await open(other, [log(1, recent())])
    expect(page.querySelectorAll('.edit-log')).toHaveLength(0)
  })

  test('saving sends only what changed; deleting asks first, then DELETE', async () => {
    const { env, page } = await open(ME, [log(1, recent())], [
      ['PATCH', '/logs/1', json(log(1, recent(), { quantity: 3 }))],
      ['DELETE', '/logs/1', () => ({ status: 204, body: '' })],
    ])
    page.querySelector('.edit-log').dispatchEvent('tap')
    await flush()
    page.instance.onEditQuantity({ detail: { value: '3' } })
    page.querySelector('.save-log').dispatchEvent('tap')
    await flush()
    const patch = env.calls.find((c) => c.method === 'PATCH')
    expect(patch.url).toBe('http://127.0.0.1:5000/api/v1/logs/1')
    expect(patch.data).toEqual({ quantity: 3 })
    expect(toasts()).toContain('已修改')
    // the edit can be undone: the old quantity goes back
    page.querySelector('.undo-btn').dispatchEvent('tap')
    await flush()
    expect(env.calls.filter((c) => c.method === 'PATCH').map((c) => c.data)).toEqual([{ quantity: 3 }, { quantity: 2 }])
    expect(toasts()).toContain('已撤销修改')

    wx.showModal = jest.fn((o) => o.success({ confirm: false }))
    await page.instance.onDeleteLog({ currentTarget: { dataset: { id: 1 } } })
    expect(env.calls.filter((c) => c.method === 'DELETE')).toHaveLength(0)
    wx.showModal = jest.fn((o) => o.success({ confirm: true }))
    await page.instance.onDeleteLog({ currentTarget: { dataset: { id: 1 } } })
    expect(env.calls.filter((c) => c.method === 'DELETE')).toHaveLength(1)
    expect(toasts()).toContain('已删除')
  })

  test('a refusal past the window shows the server message', async () => {
    const { page } = await open(ME, [log(1, recent())], [
      ['PATCH', '/logs/1', json({ error: { code: 'forbidden', message: '记录超过 24 小时，不能再修改' } }, 403)],
    ])
    await page.instance.onEditLog({ currentTarget: { dataset: { id: 1 } } })
    page.instance.onEditNote({ detail: { value: '浇了两次水' } })
    await page.instance.onSaveLog()
    expect(toasts()).toContain('记录超过 24 小时，不能再修改')
  })
})
