const { installWx, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

const ORGS = ['GET', '/orgs', json({ items: [{ id: 3, name: '东村党支部' }, { id: 4, name: '西村党支部' }], page: 1, per_page: 100, total: 2 })]

describe('承诺墙 branch picker', () => {
  test('switching branch loads that wall and remembers the choice', async () => {
    const env = installWx([
      ORGS,
      ['GET', '/orgs/3/wall', json({ org: { id: 3 }, branch_commitments: [commitment({ title: '东村的承诺' })], members: [] })],
      ['GET', '/orgs/4/wall', json({ org: { id: 4 }, branch_commitments: [commitment({ title: '新建灌溉机井 13 眼', target_kind: 'deadline', unit: '眼', target_quantity: 13 })], members: [] })],
    ])
    const page = loadPage('wall')
    await page.instance.onLoad({})
    expect(text(page)).toContain('东村的承诺')
    await page.instance.onBranchChange({ detail: { value: '1' } })
    await flush()
    const t = text(page)
    expect(t).toContain('新建灌溉机井 13 眼')
    expect(t).toContain('限期完成 13 眼')
    expect(t).not.toContain('东村的承诺')
    expect(env.store.wall_org_id).toBe(4)
    expect(t).toContain('本支部暂无公开的党员承诺')
  })

  test('the remembered branch is opened first', async () => {
    const env = installWx([ORGS, ['GET', '/orgs/4/wall', json({ org: {}, branch_commitments: [], members: [] })]])
    env.store.wall_org_id = 4
    const page = loadPage('wall')
    await page.instance.onLoad({})
    expect(env.calls.map((c) => c.url.split('/api/v1')[1])).toContain('/orgs/4/wall')
    expect(text(page)).toContain('西村党支部')
  })

  test('an error loading the wall is shown as a toast', async () => {
    installWx([ORGS, ['GET', '/orgs/3/wall', json({ error: { code: 'not_found', message: '没有找到这个支部' } }, 404)]])
    const page = loadPage('wall')
    await page.instance.onLoad({})
    expect(toasts()).toEqual(['没有找到这个支部'])
    expect(page.instance.data.loading).toBe(false)
  })
})
