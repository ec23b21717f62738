// The tab bar by role (custom-tab-bar renders it). Residents: 承诺墙 / 找党员 / 我的诉求 / 我的;
// party members add 记录践诺, and their 诉求 tab becomes 待办 with a badge for overdue items.
// The role comes from the signed-in account kept by utils/api.js; the overdue count from the
// last 待办 list the requests page loaded.
const api = require('./api')

const OVERDUE_KEY = 'inbox_overdue'

const WALL = { pagePath: 'pages/wall/index', text: '承诺墙' }
const BOARD = { pagePath: 'pages/board/index', text: '找党员' }
const LOG = { pagePath: 'pages/log/index', text: '记录践诺' }
const ME = { pagePath: 'pages/me/index', text: '我的' }

const MANAGER_ROLES = ['secretary', 'township_admin']

function isMember(account) {
  return !!(account && account.member)
}

// A branch secretary or township admin: has a 待办 even without a member record.
function isManager(account) {
  return ((account && account.roles) || []).some((r) => MANAGER_ROLES.indexOf(r.role) >= 0)
}

function hasInbox(account) {
  return isMember(account) || isManager(account)
}

function tabsFor(account, overdue) {
  if (!hasInbox(account)) {
    return [WALL, BOARD, { pagePath: 'pages/requests/index', text: '我的诉求' }, ME]
  }
  const n = Number(overdue) || 0
  const inbox = { pagePath: 'pages/requests/index', text: '待办', badge: n > 0 ? (n > 99 ? '99+' : String(n)) : '' }
  return isMember(account) ? [WALL, BOARD, LOG, inbox, ME] : [WALL, BOARD, inbox, ME]
}

function setOverdue(n) {
  wx.setStorageSync(OVERDUE_KEY, Number(n) || 0)
}

function currentTabs() {
  return tabsFor(api.cachedAccount(), wx.getStorageSync(OVERDUE_KEY))
}

const OPEN = ['submitted', 'assigned', 'claimed', 'in_progress']
const REFRESH_MS = 60 * 1000
let lastRefresh = 0

// Count my overdue open 待办 (first page of the list, open ones come first) for the badge.
function countOverdue(items) {
  return (items || []).filter((r) => r.overdue && OPEN.indexOf(r.status) >= 0).length
}

// Fetch the count again (at most once a minute); resolves the count, never rejects.
function refreshOverdue(force) {
  if (!hasInbox(api.cachedAccount())) return Promise.resolve(0)
  const now = Date.now()
  if (!force && now - lastRefresh < REFRESH_MS) return Promise.resolve(Number(wx.getStorageSync(OVERDUE_KEY)) || 0)
  lastRefresh = now
  return api.getPage('/requests/assigned', { perPage: 50, silent: true }).then(
    (res) => {
      const n = countOverdue(res.items)
      setOverdue(n)
      return n
    },
    () => Number(wx.getStorageSync(OVERDUE_KEY)) || 0
  )
}

// Call from a tab page's onShow: highlight it and redraw the tab bar for the current role
// (a member's overdue badge is fetched again when it is more than a minute old).
function sync(page, pagePath) {
  const bar = page && typeof page.getTabBar === 'function' ? page.getTabBar() : null
  if (!bar || typeof bar.refresh !== 'function') return
  bar.refresh(pagePath)
  if (pagePath !== 'pages/requests/index') refreshOverdue(false).then(() => bar.refresh(pagePath))
}

module.exports = {
  tabsFor,
  currentTabs,
  setOverdue,
  countOverdue,
  refreshOverdue,
  sync,
  isMember,
  isManager,
  hasInbox,
  MANAGER_ROLES,
  OVERDUE_KEY,
  _resetForTests() {
    lastRefresh = 0
  },
}
