// Static checks on the project files that WeChat DevTools reads.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers')

const readJson = (p) => JSON.parse(fs.readFileSync(path.join(ROOT, p), 'utf8'))

describe('project layout', () => {
  const app = readJson('app.json')

  test('project.config.json is a mini-program project', () => {
    const cfg = readJson('project.config.json')
    expect(cfg.appid).toBe('touristappid')
    expect(cfg.compileType).toBe('miniprogram')
    expect(cfg.miniprogramRoot).toBe('./')
    expect(readJson('sitemap.json').rules.length).toBeGreaterThan(0)
  })

  test('every page in app.json has its four files and is a Component page', () => {
    expect(app.pages).toHaveLength(23)
    for (const page of app.pages) {
      for (const ext of ['js', 'json', 'wxml', 'wxss']) {
        expect(fs.existsSync(path.join(ROOT, `${page}.${ext}`))).toBe(true)
      }
      const json = readJson(`${page}.json`)
      // Pages built with Component() need a usingComponents section.
      expect(json.usingComponents).toEqual({})
      expect(json.navigationBarTitleText).toMatch(/[\u4e00-\u9fa5]/)
    }
  })

  test('the tab bar is the custom one by role, every tab a page', () => {
    expect(app.tabBar.custom).toBe(true)
    expect(app.tabBar.list.map((t) => t.text)).toEqual(['承诺墙', '找党员', '记录践诺', '待办', '我的'])
    for (const tab of app.tabBar.list) expect(app.pages).toContain(tab.pagePath)
    for (const ext of ['js', 'json', 'wxml', 'wxss']) {
      expect(fs.existsSync(path.join(ROOT, `custom-tab-bar/index.${ext}`))).toBe(true)
    }
    expect(app.pages[0]).toBe('pages/wall/index')
  })

  test('the printed codes open real pages (infra/qr.py names them)', () => {
    expect(app.pages).toContain('pages/member/index')
    expect(app.pages).toContain('pages/board/index')
  })

  test('the default API base URL points at the local server', () => {
    expect(require('../config').baseUrl).toBe('http://127.0.0.1:5000/api/v1')
  })

  test('all text sizes are large enough for older readers', () => {
    const files = ['app.wxss', 'custom-tab-bar/index.wxss'].concat(app.pages.map((p) => `${p}.wxss`))
    for (const f of files) {
      const css = fs.readFileSync(path.join(ROOT, f), 'utf8')
      for (const m of css.matchAll(/font-size:\s*(\d+)rpx/g)) {
        expect(Number(m[1])).toBeGreaterThanOrEqual(30)
      }
    }
    expect(fs.readFileSync(path.join(ROOT, 'app.wxss'), 'utf8')).toMatch(/page \{[^}]*font-size: 34rpx/)
  })
})
