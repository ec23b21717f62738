// 我的先锋指数, 年度评定 (secretary / township admin) and 半年互评 (members).
const { installWx, loggedIn, json, loadPage, flush, text, toasts } = require('./helpers')
const api = require('../utils/api')

beforeEach(() => api._resetForTests())

const MEMBER = { id: 5, name: '王建国', member: { id: 9, name: '王建国', org_id: 3, org_name: '东村党支部', public_code: 'DC009' }, roles: [] }
const SECRETARY = Object.assign({}, MEMBER, { roles: [{ role: 'secretary', org_id: 3, org_name: '东村党支部' }] })
const ADMIN = { id: 6, name: '镇组织委员', member: null, roles: [{ role: 'township_admin', org_id: 1, org_name: '东山镇' }] }
const year = new Date().getFullYear()

function env(account, routes) {
  const e = installWx(routes)
  loggedIn(e.store)
  if (account) e.store.account = account
  return e
}

describe('我的先锋指数', () => {
  test('shows the index, my rank and every ledger line with its reason', async () => {
    const e = env(MEMBER, [
      ['GET', '/members/9/points', json({ member_id: 9, member_name: '王建国', year, index: 7, page: 1, per_page: 100, total: 2, items: [
        { id: 1, points: 5, rule: 'log_verified', rule_label: '践诺记录核实', reason: '3月2日给树浇水（已核实）', occurred_at: '2024-03-02T10:00:00+08:00' },
        { id: 2, points: 2, rule: 'request_satisfied', rule_label: '群众满意', reason: '诉求 Q1 群众满意', occurred_at: '2024-03-05T10:00:00+08:00' },
      ] })],
      ['GET', '/orgs/3/points', json({ year, page: 1, per_page: 100, total: 3, items: [
        { rank: 1, member_id: 8, name: '李小组', org_id: 3, org_name: '东村党支部', points: 9 },
        { rank: 2, member_id: 9, name: '王建国', org_id: 3, org_name: '东村党支部', points: 7 },
        { rank: 3, member_id: 10, name: '赵六', org_id: 3, org_name: '东村党支部', points: 0 },
      ] })],
    ])
    const page = loadPage('points')
    await page.instance.onLoad()
    await flush()
    const t = text(page)
    expect(t).toContain(`${year} 年先锋指数`)
    expect(page.querySelector('.points-index').dom.textContent.trim()).toBe('7')
    expect(t).toContain('本支部第 2 名（共 3 人）')
    expect(t).toContain('3月2日给树浇水（已核实）')
    expect(t).toContain('+5')
    expect(page.querySelectorAll('.ledger-line')).toHaveLength(2)
    expect(page.querySelectorAll('.rank-me')).toHaveLength(1)
    const ledgerCall = e.calls.find((c) => c.url.indexOf('/members/9/points') >= 0)
    expect(ledgerCall.query.year).toBe(String(year))
  })
})

describe('年度评定', () => {
  const rows = [
    { year, member_id: 9, member_name: '王建国', org_id: 3, org_name: '东村党支部', grade: null, grade_label: null, comment: '', graded_at: null },
    { year, member_id: 8, member_name: '李小组', org_id: 3, org_name: '东村党支部', grade: 'qualified', grade_label: '合格', comment: '', graded_at: '2024-12-30T10:00:00+08:00' },
  ]

  test('the secretary grades a member of the branch', async () => {
    const e = env(SECRETARY, [
      ['GET', '/orgs/3/grades', json({ items: rows, page: 1, per_page: 100, total: 2 })],
      ['POST', '/members/9/grades', json(Object.assign({}, rows[0], { grade: 'excellent', grade_label: '优秀' }))],
    ])
    const page = loadPage('grades')
    await page.instance.onLoad()
    await flush()
    expect(text(page)).toContain('未评定')
    expect(text(page)).toContain('合格')
    expect(page.querySelectorAll('.kind-branch')).toHaveLength(0)
    page.querySelectorAll('.grade-btn')[0].dispatchEvent('tap')
    await flush()
    const post = e.calls.find((c) => c.method === 'POST')
    expect(post.url).toBe('http://127.0.0.1:5000/api/v1/members/9/grades')
    expect(post.data).toEqual({ year, grade: 'excellent' })
    expect(toasts()).toContain('已评定：优秀')
    expect(page.instance.data.rows[0].gradeLabel).toBe('优秀')
  })

  test('a township admin also grades branches', async () => {
    const e = env(ADMIN, [
      ['GET', '/orgs/1/grades', (req) => json(req.query.kind === 'branch'
        ? { items: [{ year, member_id: null, member_name: null, org_id: 3, org_name: '东村党支部', grade: null, grade_label: null, comment: '', graded_at: null }], page: 1, per_page: 100, total: 1 }
        : { items: [], page: 1, per_page: 100, total: 0 })()],
      ['POST', '/orgs/3/grades', json({ year, member_id: null, member_name: null, org_id: 3, org_name: '东村党支部', grade: 'good', grade_label: '好', comment: '', graded_at: null })],
    ])
    const page = loadPage('grades')
    await page.instance.onLoad()
    await flush()
    page.querySelector('.kind-branch').dispatchEvent('tap')
    await flush()
    expect(text(page)).toContain('东村党支部')
    expect(page.querySelectorAll('.grade-btn').map((b) => b.dom.textContent.trim())).toEqual(['好', '较好', '一般', '差'])
    page.querySelectorAll('.grade-btn')[0].dispatchEvent('tap')
    await flush()
    const post = e.calls.find((c) => c.method === 'POST')
    expect(post.url).toBe('http://127.0.0.1:5000/api/v1/orgs/3/grades')
    expect(post.data).toEqual({ year, grade: 'good' })
  })

  test('a plain member is told who may grade', async () => {
    env(MEMBER, [])
    const page = loadPage('grades')
    await page.instance.onLoad()
    await flush()
    expect(text(page)).toContain('只有支部书记或街镇管理员可以评定年度等次')
  })
})

describe('半年互评', () => {
  test('lists the other members with what I gave and posts a rating', async () => {
    const e = env(MEMBER, [
      ['GET', '/me/mutual', json({ period: '2026H2', choices: [{ value: 'good', label: '好' }, { value: 'fair', label: '较好' }, { value: 'average', label: '一般' }, { value: 'poor', label: '差' }], items: [
        { member_id: 8, member_name: '李小组', rating: 'fair', rating_label: '较好' },
        { member_id: 10, member_name: '赵六', rating: null, rating_label: null },
      ] })],
      ['POST', '/members/10/mutual', json({ member_id: 10, member_name: '赵六', period: '2026H2', rating: 'good', rating_label: '好', comment: '' })],
    ])
    const page = loadPage('mutual')
    await page.instance.onLoad()
    await flush()
    const t = text(page)
    expect(t).toContain('2026 年下半年党员互评')
    expect(t).toContain('李小组')
    expect(t).toContain('已评 1 人')
    expect(page.querySelectorAll('.rate-btn').slice(0, 4).map((b) => b.dom.textContent.trim())).toEqual(['好', '较好', '一般', '差'])
    await page.instance.onRate({ currentTarget: { dataset: { id: 10, rating: 'good' } } })
    await flush()
    const post = e.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ period: '2026H2', rating: 'good' })
    expect(toasts()).toContain('已评价赵六：好')
    expect(text(page)).toContain('已评 2 人')
  })
})
