const { installWx, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

describe('承诺墙 page', () => {
  test('shows the branch picker and the wall with titles and progress', async () => {
    const env = installWx([
      ['GET', '/orgs', json({ items: [{ id: 3, name: '东村党支部', parent_name: '东山镇' }, { id: 4, name: '西村党支部', parent_name: '东山镇' }], page: 1, per_page: 100, total: 2 })],
      ['GET', '/orgs/3/wall', json({
        org: { id: 3, name: '东村党支部' },
        branch_commitments: [commitment({ id: 10, title: '每月走访困难户一次', owner_kind: 'branch', progress: { percent: 75, state: 'on_track', done: 9, target: 12, label: '已完成 9/12 个月' } })],
        members: [{ name: '王建国', public_code: 'A1', duties: '党小组长', commitments: [commitment({ id: 11, title: '为小区居民免费维修水电', progress: { percent: 20, state: 'behind', done: 2, target: 10, label: '进度落后' } })] }],
      })],
    ])
    const page = loadPage('wall')
    await page.instance.onLoad({})
    await flush()

    const t = text(page)
    expect(t).toContain('东村党支部')
    expect(t).toContain('每月走访困难户一次')
    expect(t).toContain('75% · 已完成 9/12 个月')
    expect(t).toContain('王建国')
    expect(t).toContain('为小区居民免费维修水电')
    expect(t).toContain('20% · 进度落后')
    const fills = page.querySelectorAll('.bar-fill')
    expect(fills.length).toBe(2)
    expect(fills[0].dom.getAttribute('style')).toContain('width: 75%')
    expect(fills[1].dom.className).toContain('state-behind')
    // Public reads carry no token and need no login.
    expect(wx.login).not.toHaveBeenCalled()
    expect(env.calls[0].query).toMatchObject({ kind: 'branch', page: '1' })
    expect(toasts()).toEqual([])
  })
})
