// Subscription messages (订阅消息): ask the user to allow the templates the server lists
// (GET /subscriptions, from its configuration) and report each answer (POST /subscriptions),
// so that answers and new 待办 can reach a user who only uses the mini-program.
// wx.requestSubscribeMessage must run inside a tap handler: call ask() from one.
const api = require('./api')

const ASKED_PREFIX = 'subscribe_asked_'

let listing = null
let cached = null // the list once loaded, so that ask() can call WeChat within the tap

// Load (once) the templates the server lists; pages call it on load, ahead of the tap.
function templates() {
  if (!listing) {
    listing = api.get('/subscriptions', { silent: true }).then(
      (res) => {
        cached = (res && res.items) || []
        return cached
      },
      () => {
        listing = null
        return []
      }
    )
  }
  return listing
}

function requestSubscribe(tmplIds) {
  return new Promise((resolve) => {
    if (typeof wx.requestSubscribeMessage !== 'function') {
      resolve(null)
      return
    }
    wx.requestSubscribeMessage({
      tmplIds,
      success: (res) => resolve(res || {}),
      fail: () => resolve(null),
    })
  })
}

// Ask for the templates of `scene` ('request' before submitting one, 'inbox' for 待办);
// resolves the decisions sent to the server ([] when nothing was asked). Never rejects.
async function ask(scene) {
  wx.setStorageSync(ASKED_PREFIX + scene, 1)
  const list = cached || (await templates())
  const ids = list
    .filter((t) => !t.scenes || t.scenes.indexOf(scene) >= 0)
    .map((t) => t.template_id)
    .slice(0, 3) // WeChat takes at most 3 at a time
  if (!ids.length) return []
  const res = await requestSubscribe(ids)
  if (!res) return []
  const grants = ids
    .filter((id) => typeof res[id] === 'string')
    .map((id) => ({ template_id: id, decision: res[id] }))
  if (!grants.length) return []
  try {
    await api.post('/subscriptions', { scene, grants }, { silent: true })
  } catch (e) {
    // Not worth bothering the user: the request itself goes on.
  }
  return grants
}

function asked(scene) {
  return !!wx.getStorageSync(ASKED_PREFIX + scene)
}

module.exports = {
  ask,
  asked,
  templates,
  _resetForTests() {
    listing = null
    cached = null
  },
}
