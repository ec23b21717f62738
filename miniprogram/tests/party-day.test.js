const { installWx, loggedIn, json, loadPage, flush, text } = require('./helpers')

function day(overrides = {}) {
  return Object.assign({
    id: 3, org_id: 1, month: '2026-12', held_on: '2026-12-01', topic: '践诺擂台',
    rate: { expected: 15, present: 12, leave: 1, absent: 2, percent: 86 },
    my_status: null, roll: [], sign_in_qr_url: '',
  }, overrides)
}
const report = { party_day_id: 3, member_id: 7, member_name: '王建国', text: '2026年12月主题党日 践诺情况汇报', saved: false, updated_at: null, print_url: 'http://jn/party-days/3/reports/7/print?t=x' }

async function open(env) {
  loggedIn(env.store)
  wx.setClipboardData = jest.fn()
  const page = loadPage('party-day')
  await page.instance.onShow()
  await flush()
  return page
}

describe('主题党日 page', () => {
  test('shows 到会率, signs in, edits and saves the report', async () => {
    const env = installWx([
      ['GET', '/party-days', json({ items: [day()], page: 1, per_page: 20, total: 1 })],
      ['GET', '/party-days/3/report', json(report)],
      ['POST', '/party-days/3/sign-in', json(day({ my_status: 'present' }))],
      ['PUT', '/party-days/3/report', json(Object.assign({}, report, { text: '改好的稿子', saved: true }))],
    ])
    const page = await open(env)
    expect(text(page)).toContain('到会率 86%（应到 15 人，到会 12 人，请假 1 人）')
    expect(text(page)).toContain('根据本月践诺起草')
    await page.instance.onSignIn()
    await flush()
    expect(text(page)).toContain('已到会')
    page.instance.onReport({ detail: { value: '改好的稿子' } })
    await page.instance.onSave()
    await flush()
    const put = env.calls.find((c) => c.method === 'PUT')
    expect(put.data).toEqual({ text: '改好的稿子' })
    expect(text(page)).toContain('我的发言稿（已保存）')
    page.instance.onCopyPrint()
    expect(wx.setClipboardData).toHaveBeenCalledWith({ data: report.print_url })
  })

  test('the secretary marks a member on leave from the roll', async () => {
    const roll = [{ member_id: 9, name: '李秀英', status: null, status_label: '未签到', via: '', note: '' }]
    const env = installWx([
      ['GET', '/party-days', json({ items: [day({ roll, sign_in_qr_url: 'http://jn/qr' })], page: 1, per_page: 20, total: 1 })],
      ['GET', '/party-days/3/report', json(report)],
      ['POST', '/party-days/3/attendance', json(day({ roll: [Object.assign({}, roll[0], { status: 'leave', status_label: '请假' })] }))],
    ])
    const page = await open(env)
    expect(text(page)).toContain('李秀英：未签到')
    await page.instance.onMark({ currentTarget: { dataset: { member: '9', status: 'leave' } } })
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ member_id: 9, status: 'leave' })
    expect(text(page)).toContain('李秀英：请假')
  })

  test('no party day yet: says so', async () => {
    const env = installWx([['GET', '/party-days', json({ items: [], page: 1, per_page: 20, total: 0 })]])
    const page = await open(env)
    expect(text(page)).toContain('还没有安排主题党日')
  })
})
