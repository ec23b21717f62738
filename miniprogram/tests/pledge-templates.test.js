// 定诺 from a template: the commitment form offers my branch's templates first and fills the
// title and the measurable fields the server read from the chosen one.
const { installWx, loggedIn, json, loadPage, flush, text } = require('./helpers')

const templates = {
  items: [
    { org_type: '卫生院', text: '每月为辖区65岁以上老人上门测血压一次', tags: ['医生'], matches_speciality: true,
      measure: { target_kind: 'periodic', frequency: 'monthly', target_quantity: 1, unit: '次' } },
    { org_type: '卫生院', text: '每周在门诊开展导诊志愿服务一次', tags: [], matches_speciality: false,
      measure: { target_kind: 'periodic', frequency: 'weekly', target_quantity: 1, unit: '次' } },
    { org_type: '学校', text: '每周为留守儿童辅导作业两次', tags: [], matches_speciality: false,
      measure: { target_kind: 'periodic', frequency: 'weekly', target_quantity: 2, unit: '次' } },
  ],
  page: 1, per_page: 30, total: 3, org_type: '卫生院',
}

describe('定诺 from a pledge template', () => {
  test('offers the templates and fills the form from the chosen one', async () => {
    const env = installWx([['GET', '/pledge-templates', json(templates)]])
    loggedIn(env.store)
    const page = loadPage('commitment-edit')
    await page.instance.onLoad({})
    await flush()
    expect(env.calls).toHaveLength(0) // nothing fetched until asked
    expect(text(page)).toContain('从承诺模板选')
    await page.instance.onShowTemplates()
    await flush()
    expect(text(page)).toContain('本支部类型在前')
    expect(page.instance.data.templates[0].org_type).toBe('卫生院')
    page.instance.onTemplate({ detail: { value: 1 } })
    const form = page.instance.data.form
    expect(form.title).toBe('每周在门诊开展导诊志愿服务一次')
    expect([form.target_kind, form.frequency, form.target_quantity, form.unit]).toEqual(['periodic', 'weekly', 1, '次'])
    expect(page.instance.data.frequencyIndex).toBe(1)
  })

  test('editing an existing draft offers no templates', async () => {
    const env = installWx([['GET', '/commitments/5', json({ id: 5, title: '草稿', target_kind: 'count' })]])
    loggedIn(env.store)
    const page = loadPage('commitment-edit')
    await page.instance.onLoad({ id: '5' })
    await flush()
    expect(text(page)).not.toContain('从承诺模板选')
  })
})
