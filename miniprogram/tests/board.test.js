const { installWx, json, loadPage, flush, text } = require('./helpers')

const ORGS = json({ items: [{ id: 3, name: '东村党支部', code: 'dc', kind: 'branch', parent_name: '东山镇' }, { id: 4, name: '西村党支部', code: 'xc', kind: 'branch', parent_name: '东山镇' }], page: 1, per_page: 100, total: 2 })

function row(name, code, percent, state, extra = {}) {
  return Object.assign({ name, public_code: code, percent, state, completed: 0, next_due: null, commitments: 1, exempt: false, exempt_reason: null }, extra)
}

const BOARD = {
  org: { id: 4, name: '西村党支部', code: 'xc', kind: 'branch', parent_name: '东山镇' },
  flag: 'yellow',
  rows: [
    row('赵六', 'X4', null, null, { commitments: 0, exempt: true, exempt_reason: '高龄' }),
    row('李四', 'X2', 20, 'overdue'),
    row('王五', 'X3', 90, 'on_track', { completed: 2, next_due: '2024-06-30' }),
    row('张三', 'X1', 50, 'behind'),
  ],
  partners: [],
}

describe('进度榜 page', () => {
  test('a branch code opens its board, sorted, laggards marked, flags shown', async () => {
    const env = installWx([['GET', '/orgs', ORGS], ['GET', '/orgs/4/board', json(BOARD)]])
    const page = loadPage('board')
    await page.instance.onLoad({ scene: encodeURIComponent('o=xc') })
    await flush()
    expect(env.calls.map((c) => c.url.split('?')[0].replace('http://127.0.0.1:5000/api/v1', ''))).toEqual(['/orgs', '/orgs/4/board'])
    const names = page.querySelectorAll('.board-row .title').map((n) => n.dom.textContent.trim())
    expect(names).toEqual(['王五', '张三', '李四', '赵六'])
    const rows = page.querySelectorAll('.board-row')
    expect(rows[0].dom.className).not.toContain('lagging')
    expect(rows[1].dom.className).toContain('lagging')
    expect(rows[2].dom.className).toContain('lagging')
    expect(page.querySelectorAll('.bar-fill')[2].dom.className).toContain('state-overdue')
    const t = text(page)
    expect(t).toContain('黄旗：本月本支部进度滞后')
    expect(t).toContain('进度落后或逾期：2 人')
    expect(t).toContain('张三、李四（列表中左侧标红边）')
    expect(t).toContain('免于承诺（高龄）')
    expect(t).toContain('下次截止 2024-06-30')
    expect(rows[0].dom.querySelectorAll('.main--redflag')).toHaveLength(2)
    expect(wx.login).not.toHaveBeenCalled()
  })

  test('找党员: typing a name narrows the list', async () => {
    installWx([['GET', '/orgs', ORGS], ['GET', '/orgs/4/board', json(BOARD)]])
    const page = loadPage('board')
    await page.instance.onLoad({ o: 'xc' })
    await flush()
    page.instance.onQuery({ detail: { value: '李' } })
    await flush()
    expect(page.querySelectorAll('.board-row .title').map((n) => n.dom.textContent.trim())).toEqual(['李四'])
    page.instance.onQuery({ detail: { value: '钱七' } })
    await flush()
    expect(text(page)).toContain('本支部没有叫“钱七”的党员')
  })

  test('tapping a member opens the card', async () => {
    installWx([['GET', '/orgs', ORGS], ['GET', '/orgs/4/board', json(BOARD)]])
    const page = loadPage('board')
    await page.instance.onLoad({ o: 'xc' })
    await flush()
    page.querySelectorAll('.board-row')[0].dispatchEvent('tap')
    await flush()
    expect(wx.navigateTo).toHaveBeenCalledWith({ url: '/pages/member/index?m=X3' })
  })
})
