const { installWx, loggedIn, json, loadPage, flush, text } = require('./helpers')

const me = { id: 2, name: '赵书记', member: { id: 1, name: '赵书记', org_id: 3, org_name: '东村党支部', public_code: 'x' }, roles: [{ role: 'secretary', org_id: 3, org_name: '东村党支部' }], demo: true, household: null }

describe('三评 page (secretary)', () => {
  test('scores a member for the month and opens the quarter survey', async () => {
    const env = installWx([
      ['GET', '/me', json(me)],
      ['GET', '/orgs/3/branch-scores', json({ items: [{ member_id: 7, member_name: '王建国', month: '2026-12', grade: null, note: '' }], page: 1, per_page: 100, total: 1, rubric: ['好', '较好', '一般', '差'] })],
      ['GET', '/orgs/3/three-reviews', json({ items: [{ rank: 1, member_id: 7, name: '王建国', points: 18, branch_score: 100, survey: null, mutual: null, score: 28 }], page: 1, per_page: 100, total: 1, year: 2026, weights: { points: 1 } })],
      ['POST', '/members/7/branch-scores', json({ member_id: 7, member_name: '王建国', month: '2026-12', grade: '好', note: '' })],
      ['POST', '/orgs/3/surveys', json({ id: 4, org_id: 3, org_name: '东村党支部', quarter: '2026Q4', rubric: ['满意'], members: [], responses: 5,
        results: [{ member_id: 7, name: '王建国', counts: { 满意: 5 }, total: 5, average: 100 }], pushed: 6 }, 201)],
    ])
    loggedIn(env.store)
    const page = loadPage('branch-review')
    page.instance.onLoad({})
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('王建国：未评定')
    expect(text(page)).toContain('1. 王建国：综合分 28（先锋指数 18，月评 100，测评 —，互评 —）')
    await page.instance.onGrade({ currentTarget: { dataset: { member: 7, grade: '好' } } })
    await flush()
    const score = env.calls.find((c) => c.method === 'POST' && c.url.includes('branch-scores'))
    expect(score.data.grade).toBe('好')
    expect(score.data.month).toMatch(/^\d{4}-\d{2}$/)
    expect(text(page)).toContain('王建国：好')
    await page.instance.onOpenSurvey()
    await flush()
    const opened = env.calls.find((c) => c.url.includes('/surveys'))
    expect(opened.data.quarter).toMatch(/^\d{4}Q[1-4]$/)
    expect(text(page)).toContain('王建国：100 分（5 人评价）')
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '已推送 6 条' }))
  })
})
