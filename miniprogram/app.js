// 践诺 mini-program entry. Pages log in lazily through utils/api.js.
App({
  globalData: {},
})
