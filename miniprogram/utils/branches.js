// The branch picker of the public pages (承诺墙, 进度榜): the township's branches, and which one
// to show first: the one a scanned code names (by code or id), else the one chosen last time
// on that page (kept under the page's own storage key), else the first.
const api = require('./api')

function label(b) {
  return b.parent_name ? `${b.name}（${b.parent_name}）` : b.name
}

async function load(storageKey, wanted) {
  const want = wanted || {}
  const all = await api.getAll('/orgs', { query: { kind: 'branch' }, auth: false })
  let index = -1
  if (want.code) index = all.findIndex((b) => b.code === want.code)
  if (index < 0 && want.id) index = all.findIndex((b) => b.id === want.id)
  const missed = index < 0 && !!want.code // a scanned code that names no branch
  const saved = Number(wx.getStorageSync(storageKey)) || 0
  if (index < 0) index = all.findIndex((b) => b.id === saved)
  if (index < 0 && all.length) index = 0
  return { branches: all.map((b) => ({ id: b.id, code: b.code, name: label(b) })), index, missed }
}

function remember(storageKey, branch) {
  wx.setStorageSync(storageKey, branch.id)
}

module.exports = { load, remember }
