// Older eyes: body text ≥ 16 px (32 rpx on a 750 rpx wide screen), buttons ≥ 44 px (88 rpx)
// tall, text contrast ≥ 4.5:1 — checked on the styles themselves.
const fs = require('fs')
const path = require('path')
const { ROOT } = require('./helpers')

const read = (f) => fs.readFileSync(path.join(ROOT, f), 'utf8')

function rule(css, selector) {
  const re = new RegExp(`(^|\\n)${selector.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*\\{([^}]*)\\}`)
  const m = css.match(re)
  if (!m) throw new Error(`no rule ${selector}`)
  const out = {}
  m[2].split(';').forEach((d) => {
    const i = d.indexOf(':')
    if (i > 0) out[d.slice(0, i).trim()] = d.slice(i + 1).trim()
  })
  return out
}

const rpx = (v) => Number(String(v).replace('rpx', ''))

function luminance(hex) {
  const h = hex.replace('#', '')
  const [r, g, b] = [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16) / 255)
    .map((c) => (c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
  return 0.2126 * r + 0.7152 * g + 0.0722 * b
}

function contrast(a, b) {
  const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p)
  return (x + 0.05) / (y + 0.05)
}

describe('older eyes', () => {
  const app = read('app.wxss')

  test('body text is at least 16px', () => {
    expect(rpx(rule(app, 'page')['font-size'])).toBeGreaterThanOrEqual(32)
    for (const sel of ['.text', '.muted', '.hint', '.progress-text', '.label']) {
      expect(rpx(rule(app, sel)['font-size'])).toBeGreaterThanOrEqual(32)
    }
  })

  test('buttons, tabs and segments are at least 44px tall', () => {
    const btn = rule(app, '.btn')
    const [padTop] = btn.padding.split(/\s+/)
    expect(rpx(btn['font-size']) * Number(btn['line-height']) + 2 * rpx(padTop)).toBeGreaterThanOrEqual(88)
    expect(rpx(rule(read('custom-tab-bar/index.wxss'), '.tab').height)).toBeGreaterThanOrEqual(88)
    expect(rpx(rule(read('pages/requests/index.wxss'), '.segment')['line-height'])).toBeGreaterThanOrEqual(88)
  })

  test('text colours keep a contrast of at least 4.5:1', () => {
    const pairs = [
      [rule(app, 'page').color, '#ffffff'],
      [rule(app, '.muted').color, '#ffffff'],
      [rule(app, '.muted').color, '#f5f5f5'],
      [rule(app, '.btn-primary').color, rule(app, '.btn-primary').background],
      [rule(app, '.btn-secondary').color, '#ffffff'],
      [rule(app, '.btn-green').color, rule(app, '.btn-green').background],
      [rule(app, '.tag').color, rule(app, '.tag').background],
      [rule(app, '.tag-green').color, rule(app, '.tag-green').background],
      [rule(read('custom-tab-bar/index.wxss'), '.tab').color, '#ffffff'],
      [rule(read('custom-tab-bar/index.wxss'), '.tab-badge').color, rule(read('custom-tab-bar/index.wxss'), '.tab-badge').background],
      [rule(read('pages/requests/index.wxss'), '.tag-overdue').color, rule(read('pages/requests/index.wxss'), '.tag-overdue').background],
      ['#3e2700', '#f9a825'], // 黄旗 on the board
      ['#ffffff', '#c62828'], // 红旗 on the board
    ]
    for (const [fg, bg] of pairs) expect(contrast(fg, bg)).toBeGreaterThanOrEqual(4.5)
  })
})
