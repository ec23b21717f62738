const { installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

async function openReview(routes = []) {
  const env = installWx([
    ['GET', '/reviews/queue', json({
      items: [
        commitment({ id: 41, title: '每月走访困难户一次', status: 'pending_group' }),
        commitment({ id: 42, title: '为人民服务', status: 'pending_branch', target_kind: 'count', frequency: null }),
      ],
      page: 1, per_page: 20, total: 2,
    })],
    ...routes,
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
