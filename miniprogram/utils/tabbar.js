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

function isMember(account) {
  return !!(account && account.member)
}

function tabsFor(account, overdue) {
  if (!isMember(account)) {
    return [WALL, BOARD, { pagePath: 'pages/requests/index', text: '我的诉求' }, ME]
  }
  const n = Number(overdue) || 0
  const inbox = { pagePath: 'pages/requests/index', text: '待办', badge: n > 0 ? (n > 99 ? '99+' : String(n)) : '' }
  return [WALL, BOARD, LOG, inbox, ME]
}

function setOverdue(n) {
  wx.setStorageSync(OVERDUE_KEY, Number(n) || 0)
}

function currentTabs() {
  return tabsFor(api.cachedAccount(), wx.getStorageSync(OVERDUE_KEY))
}

// Call from a tab page's onShow: highlight it and redraw the tab bar for the current role.
function sync(page, pagePath) {
  const bar = page && typeof page.getTabBar === 'function' ? page.getTabBar() : null
  if (bar && typeof bar.refresh === 'function') bar.refresh(pagePath)
}

module.exports = { tabsFor, currentTabs, setOverdue, sync, isMember, OVERDUE_KEY }
