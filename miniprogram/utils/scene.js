// Reading what a scanned 小程序码 carries. getwxacodeunlimit passes `scene` (URL-encoded,
// e.g. "m%3DDC009"); a plain link or DevTools' compile mode passes `m=DC009` as a query
// parameter instead. The server decides which page a code opens (infra/qr.py).

// "m=DC009&x=1" -> {m: 'DC009', x: '1'}
function parseScene(raw) {
  const out = {}
  if (!raw) return out
  let s = String(raw)
  try {
    s = decodeURIComponent(s)
  } catch (e) {
    // keep the raw text
  }
  s.split('&').forEach((part) => {
    const i = part.indexOf('=')
    if (i <= 0) return
    const key = part.slice(0, i).trim()
    const value = part.slice(i + 1).trim()
    if (key && value) out[key] = value
  })
  return out
}

// The value of `key` from the page options: the query parameter first, then the scene.
function sceneParam(options, key) {
  const o = options || {}
  if (o[key]) return String(o[key]).trim()
  return parseScene(o.scene)[key] || ''
}

module.exports = { parseScene, sceneParam }
