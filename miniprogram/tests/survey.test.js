const { installWx, loggedIn, json, loadPage, flush, text } = require('./helpers')

const survey = { id: 4, org_id: 1, org_name: '东村党支部', quarter: '2026Q4', rubric: ['满意', '基本满意', '不满意'],
  members: [{ member_id: 7, name: '王建国' }, { member_id: 8, name: '李秀英' }], responses: 0, results: [], pushed: 0 }

describe('群众测评 page', () => {
  test('rates members once and thanks the resident', async () => {
    const env = installWx([
      ['GET', '/surveys/4', json(survey)],
      ['POST', '/surveys/4/answers', json({ survey_id: 4, rated: 2 }, 201)],
    ])
    loggedIn(env.store)
    const page = loadPage('survey')
    page.instance.onLoad({ id: '4' })
    await page.instance.onShow()
    await flush()
    expect(text(page)).toContain('东村党支部 2026Q4 群众测评')
    page.instance.onChoose({ currentTarget: { dataset: { member: 7, rating: '满意' } } })
    page.instance.onChoose({ currentTarget: { dataset: { member: 8, rating: '基本满意' } } })
    await page.instance.onSubmit()
    await flush()
    const post = env.calls.find((c) => c.method === 'POST')
    expect(post.data).toEqual({ ratings: [{ member_id: 7, rating: '满意' }, { member_id: 8, rating: '基本满意' }], comment: '' })
    expect(text(page)).toContain('感谢您的评价')
  })
})
