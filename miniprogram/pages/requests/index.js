// 我的诉求 / 待办 (one tab, by role). Residents: the requests I submitted. Party members: 待办
// (requests I hold, and for a secretary the branch's; overdue ones flagged, their count on
// the tab badge), 需求清单 (the branch's open requests to claim; a secretary 派单 from it) and
// 我反映的. Actions call the request endpoints: claim, reply, resolve, transfer. A secretary or
// township admin with held texts waiting (内容审核) sees a row leading to pages/content-review.
const api = require('../../utils/api')
const paged = require('../../utils/paged')
const tabbar = require('../../utils/tabbar')
const subscribe = require('../../utils/subscribe')
const { decorateRequest, RESOLUTION } = require('../../utils/labels')

const BACK_TO_LIST = { id: null, name: '转回支部需求清单（由党员认领）' }

Component({
  data: {
    isMember: false,
    isManager: false,
    segment: 'mine',
    segments: [],
    items: [],
    hasMore: false,
    loading: false,
    loaded: false,
    overdue: 0,
    subscribePrompt: false,
    heldCount: 0,
    undo: null,
    // the open action panel: {id, kind: 'reply' | 'resolve' | 'transfer', number}
    action: null,
    replyText: '',
    resolutions: RESOLUTION,
    resolutionIndex: 0,
    resolveNote: '',
    candidates: [],
    candidateIndex: 0,
    transferReason: '',
    busy: false,
  },

  methods: {
    onShow() {
      tabbar.sync(this, 'pages/requests/index')
      this.readRole()
      this.loadHeldCount()
      return this.reload()
    },

    // 待审核内容 N 条: only managers can decide held text; the first page's total is the count.
    loadHeldCount() {
      if (!this.data.isManager) {
        if (this.data.heldCount) this.setData({ heldCount: 0 })
        return Promise.resolve(0)
      }
      return api.getPage('/reviews/content', { perPage: 1, silent: true }).then(
        (res) => {
          this.setData({ heldCount: res.total })
          return res.total
        },
        () => 0 // the row is a hint: without it the page still works
      )
    },

    onHeld() {
      wx.navigateTo({ url: '/pages/content-review/index' })
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.reload().then(done, done)
    },

    onReachBottom() {
      return this.loadMore()
    },

    readRole() {
      const account = api.cachedAccount()
      // "isMember" here: whoever has a 待办 (a party member, or a secretary / township admin).
      const isMember = tabbar.hasInbox(account)
      const isManager = tabbar.isManager(account)
      const segments = isMember
        ? [{ key: 'inbox', label: '待办' }, { key: 'demands', label: '需求清单' }, { key: 'mine', label: '我反映的' }]
        : []
      let segment = this.data.segment
      if (!isMember) segment = 'mine'
      else if (!this.roleSeen) segment = 'inbox'
      this.roleSeen = isMember
      this.account = account
      wx.setNavigationBarTitle && wx.setNavigationBarTitle({ title: isMember ? '待办' : '我的诉求' })
      const subscribePrompt = isMember && !subscribe.asked('inbox')
      if (subscribePrompt) subscribe.templates()
      this.setData({ isMember, isManager, segments, segment, subscribePrompt })
    },

    // The first time a member opens 待办: one tap to allow new-待办 notices.
    async onSubscribe() {
      const grants = await subscribe.ask('inbox')
      this.setData({ subscribePrompt: false })
      const accepted = grants.some((g) => g.decision === 'accept')
      wx.showToast({ title: accepted ? '已开启待办提醒' : '可在“我的”中重新开启提醒', icon: 'none' })
      return grants
    },

    onSubscribeLater() {
      wx.setStorageSync('subscribe_asked_inbox', 1)
      this.setData({ subscribePrompt: false })
    },

    pathFor(segment) {
      if (segment === 'inbox') return '/requests/assigned'
      if (segment === 'demands') {
        // my branch's list; a township admin without a member record: the township's
        const a = this.account || {}
        const managed = (a.roles || []).find((r) => tabbar.MANAGER_ROLES.indexOf(r.role) >= 0)
        const orgId = (a.member && a.member.org_id) || (managed && managed.org_id)
        return orgId ? `/orgs/${orgId}/demands` : ''
      }
      return '/requests/mine'
    },

    renderList() {
      const items = this.pager.items.map(decorateRequest)
      const data = { items, hasMore: this.pager.hasMore }
      if (this.data.segment === 'inbox') {
        const overdue = tabbar.countOverdue(items)
        data.overdue = overdue
        tabbar.setOverdue(overdue)
        tabbar.sync(this, 'pages/requests/index')
      }
      this.setData(data)
    },

    async reload() {
      const path = this.pathFor(this.data.segment)
      if (!path) {
        this.setData({ items: [], hasMore: false, loaded: true })
        return
      }
      if (!this.pager || this.pagerPath !== path) {
        this.pager = api.createPager(path)
        this.pagerPath = path
      }
      await paged.reload(this, { action: null })
      // The first call may have logged in: the role is known only now.
      if (!this.account && api.cachedAccount()) {
        this.readRole()
        this.loadHeldCount()
        if (this.data.isMember) return this.reload()
      }
    },

    loadMore() {
      return paged.loadMore(this)
    },

    onSegment(e) {
      const segment = e.currentTarget.dataset.key
      if (segment === this.data.segment) return Promise.resolve()
      this.setData({ segment, items: [], loaded: false })
      return this.reload()
    },

    onNew() {
      wx.navigateTo({ url: '/pages/request-new/index' })
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/request-detail/index?id=${e.currentTarget.dataset.id}` })
    },

    // -- actions ------------------------------------------------------------------------

    async post(id, verb, body, doneText) {
      if (this.data.busy) return false
      this.setData({ busy: true, undo: null })
      try {
        await api.post(`/requests/${id}/${verb}`, body)
        wx.showToast({ title: doneText, icon: 'success' })
        this.setData({ action: null })
        await this.reload()
        return true
      } catch (e) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },

    async onClaim(e) {
      const id = Number(e.currentTarget.dataset.id)
      const item = this.data.items.find((r) => r.id === id) || {}
      const ok = await this.post(id, 'claim', {}, '已认领')
      // A claim can be undone: the request goes back to the branch's list.
      if (ok) this.setData({ undo: { id, text: `已认领编号 ${item.number || id}` } })
      return ok
    },

    async onUndo() {
      const undo = this.data.undo
      if (!undo) return false
      this.setData({ undo: null })
      return this.post(undo.id, 'transfer', { member_id: null, reason: '撤销认领' }, '已撤销认领')
    },

    onDismissUndo() {
      this.setData({ undo: null })
    },

    openAction(id, kind, extra = {}) {
      const item = this.data.items.find((r) => String(r.id) === String(id)) || {}
      this.setData(Object.assign({ action: { id: Number(id), kind, number: item.number || '' } }, extra))
    },

    onCancelAction() {
      this.setData({ action: null })
    },

    onReplyOpen(e) {
      this.openAction(e.currentTarget.dataset.id, 'reply', { replyText: '' })
    },

    onReplyInput(e) {
      this.setData({ replyText: e.detail.value })
    },

    onReplySend() {
      const text = this.data.replyText.trim()
      if (!text) {
        wx.showToast({ title: '请填写答复内容', icon: 'none' })
        return Promise.resolve(false)
      }
      return this.post(this.data.action.id, 'reply', { text }, '已答复')
    },

    onResolveOpen(e) {
      this.openAction(e.currentTarget.dataset.id, 'resolve', { resolutionIndex: 0, resolveNote: '' })
    },

    onResolution(e) {
      this.setData({ resolutionIndex: Number(e.detail.value) })
    },

    onResolveNote(e) {
      this.setData({ resolveNote: e.detail.value })
    },

    onResolveSend() {
      const resolution = RESOLUTION[this.data.resolutionIndex].value
      return this.post(this.data.action.id, 'resolve', { resolution, note: this.data.resolveNote.trim() }, '已办结')
    },

    // 转交 (the holder or the secretary) and 派单 (the secretary, from the demand list).
    async onTransferOpen(e) {
      const id = e.currentTarget.dataset.id
      const assign = e.currentTarget.dataset.assign === 'true' || e.currentTarget.dataset.assign === true
      try {
        const res = await api.get(`/requests/${id}/candidates`)
        const candidates = (res.items || []).slice()
        if (!assign) candidates.push(BACK_TO_LIST)
        if (!candidates.length) {
          wx.showToast({ title: '本支部没有可以接手的党员', icon: 'none' })
          return
        }
        this.openAction(id, assign ? 'assign' : 'transfer', { candidates, candidateIndex: 0, transferReason: '' })
      } catch (err) {
        // shown by the API wrapper
      }
    },

    onCandidate(e) {
      this.setData({ candidateIndex: Number(e.detail.value) })
    },

    onTransferReason(e) {
      this.setData({ transferReason: e.detail.value })
    },

    onTransferSend() {
      const who = this.data.candidates[this.data.candidateIndex]
      if (!who) return Promise.resolve(false)
      const done = who.id === null ? '已转回需求清单' : `已交给${who.name}`
      return this.post(this.data.action.id, 'transfer', { member_id: who.id, reason: this.data.transferReason.trim() }, done)
    },
  },
})
