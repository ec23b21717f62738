const { installWx, loggedIn, json, loadPage, flush, toasts, commitment } = require('./helpers')

async function openEdit(routes, options = {}) {
  const env = installWx(routes)
  loggedIn(env.store)
  const page = loadPage('commitment-edit')
  await page.instance.onLoad(options)
  await flush()
  return { env, page }
}

const input = (page, field, value) => page.instance.onInput({ currentTarget: { dataset: { field } }, detail: { value } })

describe('定诺 page', () => {
  test('checks the form locally before sending', async () => {
    const { env, page } = await openEdit([])
    await page.instance.onSave()
    expect(env.calls).toHaveLength(0)
    expect(page.instance.data.errors.title).toBe('请填写承诺内容')
    expect(toasts()).toEqual(['请填写承诺内容'])
  })

  test('creates a draft with a measurable target', async () => {
    const { env, page } = await openEdit([['POST', '/commitments', json(commitment({ id: 9, status: 'draft' }), 201)]])
    input(page, 'title', '每月给村东生产路树木浇水一次')
    input(page, 'beneficiary', '村东生产路')
    page.instance.onCategory({ detail: { value: 2 } })
    const monthly = require('../utils/labels').FREQUENCY.findIndex((x) => x.value === 'monthly')
    page.instance.onFrequency({ detail: { value: monthly } })
    await page.instance.onSave()
    expect(toasts()).toEqual(['已保存为草稿'])
    // The page goes back to 我的承诺 shortly after the success toast.
    await new Promise((r) => setTimeout(r, 900))
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toMatchObject({
      title: '每月给村东生产路树木浇水一次',
      category: '环境整治',
      target_quantity: 1,
      unit: '次',
      target_kind: 'periodic',
      frequency: 'monthly',
      beneficiary: '村东生产路',
    })
    expect(post.data.end_date).toMatch(/^\d{4}-12-31$/)
    expect(wx.navigateBack).toHaveBeenCalled()
  })

  test("shows the server's field errors next to the fields", async () => {
    const { page } = await openEdit([
      ['POST', '/commitments', json({ error: { code: 'validation', message: '请修改后再保存', fields: { unit: '单位不能是“件事”这样含糊的说法' } } }, 400)],
    ])
    input(page, 'title', '为群众办实事')
    input(page, 'beneficiary', '群众')
    await page.instance.onSave()
    await flush()
    expect(toasts()).toEqual(['请修改后再保存：单位不能是“件事”这样含糊的说法'])
    expect(page.instance.data.errors.unit).toBe('单位不能是“件事”这样含糊的说法')
    expect(page.dom.textContent).toContain('单位不能是“件事”这样含糊的说法')
  })

  test('edits an existing draft with PATCH', async () => {
    const { env, page } = await openEdit([
      ['GET', '/commitments/4', json(commitment({ id: 4, status: 'draft', title: '旧标题' }))],
      ['PATCH', '/commitments/4', json(commitment({ id: 4, status: 'draft', title: '新标题' }))],
    ], { id: '4' })
    expect(page.instance.data.form.title).toBe('旧标题')
    input(page, 'title', '新标题')
    await page.instance.onSave()
    const patch = env.calls.find((c) => c.method === 'PATCH')
    expect(patch.data.title).toBe('新标题')
  })
})
