const { installWx, loggedIn, json, loadPage, flush, text, commitment } = require('./helpers')

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
