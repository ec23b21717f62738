const { installWx, loggedIn, json, loadPage, flush, text, toasts, commitment } = require('./helpers')

function mineRoute() {
  return ['GET', '/commitments/mine', json({
    items: [
      commitment({ id: 5, title: '每月走访联系户一次', status: 'published', progress: { percent: 40, state: 'on_track', done: 4, target: 10, label: '已完成 4/10' } }),
      commitment({ id: 6, title: '草稿承诺', status: 'draft' }),
      commitment({ id: 7, title: '免费维修水电', status: 'published', unit: '户', progress: { percent: 10, state: 'behind', done: 1, target: 10, label: '进度落后' } }),
    ],
    page: 1, per_page: 100, total: 3,
  })]
}

async function openLog(env) {
  loggedIn(env.store)
  const page = loadPage('log')
  page.instance.onLoad({})
  await page.instance.onShow()
  await flush()
  return page
}

describe('记录践诺 page', () => {
  test('lists only published commitments and shows the current progress', async () => {
    const env = installWx([mineRoute()])
    const page = await openLog(env)
    expect(page.instance.data.commitments.map((c) => c.id)).toEqual([5, 7])
    const t = text(page)
    expect(t).toContain('每月走访联系户一次')
    expect(t).toContain('40% · 已完成 4/10')
    expect(t).not.toContain('草稿承诺')
  })

  test('uploads a photo, then posts commitment id, quantity, note and photo_ids; shows the new progress', async () => {
    const env = installWx([
      mineRoute(),
      ['UPLOAD', '/uploads', json({ id: 901, url: '/media/901.jpg' }, 201)],
      ['POST', '/commitments/7/logs', json({
        log: { id: 1, quantity: 3, note: '给三户修好了电灯', happened_on: '2024-05-01', photos: [{ id: 901, url: '/media/901.jpg' }], created_at: '2024-05-01T10:00:00+08:00' },
        progress: { percent: 40, state: 'on_track', done: 4, target: 10, label: '已完成 4/10 户' },
      }, 201)],
    ])
    wx.chooseMedia = jest.fn((opts) => setTimeout(() => opts.success({ tempFiles: [{ tempFilePath: 'wxfile://tmp/photo1.jpg' }] }), 0))
    const page = await openLog(env)

    // Choose the second published commitment through the picker.
    page.instance.onPick({ detail: { value: 1 } })
    // Quantity stepper: tap ＋ twice (1 → 3), then － and ＋ (3 → 2 → 3)
    page.querySelector('.plus').dispatchEvent('tap')
    page.querySelector('.plus').dispatchEvent('tap')
    await flush()
    expect(page.instance.data.quantity).toBe(3)
    page.instance.onMinus()
    page.instance.onPlus()
    page.instance.onNote({ detail: { value: '  给三户修好了电灯 ' } })
    await page.instance.onAddPhoto()
    await flush()

    expect(wx.chooseMedia).toHaveBeenCalledWith(expect.objectContaining({ mediaType: ['image'] }))
    expect(wx.uploadFile).toHaveBeenCalledTimes(1)
    expect(wx.uploadFile.mock.calls[0][0]).toMatchObject({ filePath: 'wxfile://tmp/photo1.jpg', name: 'file' })
    expect(page.instance.data.photos).toEqual([{ id: 901, url: '/media/901.jpg', path: 'wxfile://tmp/photo1.jpg' }])

    await page.instance.onSubmit()
    await flush()

    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.url).toMatch(/\/commitments\/7\/logs$/)
    expect(post.data).toEqual({ quantity: 3, note: '给三户修好了电灯', photo_ids: [901] })
    expect(post.header.Authorization).toBe('Bearer tok-1')

    const t = text(page)
    expect(t).toContain('已记录，当前进度 40%')
    expect(t).toContain('已完成 4/10 户')
    // The form is cleared for the next entry.
    expect(page.instance.data.quantity).toBe(1)
    expect(page.instance.data.photos).toEqual([])
    expect(page.instance.data.note).toBe('')
  })

  test('the quantity never goes below 1', async () => {
    const env = installWx([mineRoute()])
    const page = await openLog(env)
    page.instance.onMinus()
    page.instance.onQuantityInput({ detail: { value: '0' } })
    expect(page.instance.data.quantity).toBe(1)
    page.instance.onQuantityInput({ detail: { value: '12' } })
    expect(page.instance.data.quantity).toBe(12)
  })

  test("a refused log shows the server's Chinese message and keeps the form", async () => {
    const env = installWx([
      mineRoute(),
      ['POST', '/commitments/5/logs', json({ error: { code: 'not_published', message: '这条承诺还没有公开，不能记录践诺' } }, 409)],
    ])
    const page = await openLog(env)
    page.instance.onNote({ detail: { value: '走访了王大爷家' } })
    await page.instance.onSubmit()
    await flush()
    expect(wx.showToast).toHaveBeenCalledWith(expect.objectContaining({ title: '这条承诺还没有公开，不能记录践诺', icon: 'none' }))
    expect(page.instance.data.note).toBe('走访了王大爷家')
    expect(page.instance.data.result).toBeNull()
    expect(page.instance.data.submitting).toBe(false)
  })

  test('a failed photo upload is reported and nothing is attached', async () => {
    const env = installWx([mineRoute(), ['UPLOAD', '/uploads', () => 'fail']])
    wx.chooseMedia = jest.fn((opts) => setTimeout(() => opts.success({ tempFiles: [{ tempFilePath: 'a.jpg' }] }), 0))
    const page = await openLog(env)
    await page.instance.onAddPhoto()
    expect(wx.uploadFile).toHaveBeenCalledTimes(2)
    expect(toasts()).toEqual(['网络不通，请检查网络后重试'])
    expect(page.instance.data.photos).toEqual([])
    expect(page.instance.data.uploading).toBe(false)
  })

  test('a commitment chosen on 我的承诺 is preselected', async () => {
    const env = installWx([mineRoute()])
    env.store.log_commitment_id = 7
    const page = await openLog(env)
    expect(page.instance.data.selected.id).toBe(7)
    expect(env.store.log_commitment_id).toBeUndefined()
  })

  test('without published commitments it explains what to do', async () => {
    const env = installWx([['GET', '/commitments/mine', json({ items: [], page: 1, per_page: 100, total: 0 })]])
    const page = await openLog(env)
    expect(text(page)).toContain('您还没有已公开的承诺')
  })
})
