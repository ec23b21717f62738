// 诉求详情: status, timeline and the actions the server allows (the `can` flags):
// residents confirm / reopen / rate; members and branches claim / reply / resolve.
const api = require('../../utils/api')
const { decorateRequest, decorateTimeline, RATING, RESOLUTION } = require('../../utils/labels')

Component({
  data: {
    id: 0,
    r: null,
    timeline: [],
    ratings: RATING,
    resolutions: RESOLUTION,
    resolutionIndex: 0,
    replyText: '',
    resolveNote: '',
    candidates: [],
    candidateIndex: 0,
    transferReason: '',
    transferring: false,
    busy: false,
  },

  methods: {
    onLoad(options) {
      this.setData({ id: Number((options && options.id) || 0) })
      return this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.load().then(done, done)
    },

    showRequest(r) {
      this.setData({ r: decorateRequest(r), timeline: decorateTimeline(r.timeline) })
    },

    async load() {
      try {
        this.showRequest(await api.get(`/requests/${this.data.id}`))
      } catch (e) {
        // shown by the API wrapper
      }
    },

    // Run an action; the action answers with the Request, then the timeline is reloaded.
    async act(path, body, doneText) {
      if (this.data.busy) return false
      this.setData({ busy: true })
      try {
        await api.post(`/requests/${this.data.id}/${path}`, body || {})
        wx.showToast({ title: doneText, icon: 'success' })
        await this.load()
        return true
      } catch (e) {
        return false
      } finally {
        this.setData({ busy: false })
      }
    },

    onConfirm() {
      return this.act('confirm', {}, '已确认解决')
    },

    askReason(title, placeholder) {
      return new Promise((resolve) => {
        wx.showModal({
          title,
          editable: true,
          placeholderText: placeholder,
          confirmText: '提交',
          cancelText: '取消',
          success: (res) => resolve(res.confirm ? (res.content || '').trim() : null),
          fail: () => resolve(null),
        })
      })
    },

    async onReopen() {
      const reason = await this.askReason('重新打开', '请说明还有什么没解决')
      if (reason === null) return false
      if (!reason) {
        wx.showToast({ title: '请说明还有什么没解决', icon: 'none' })
        return false
      }
      return this.act('reopen', { reason }, '已重新打开')
    },

    onRate(e) {
      return this.act('rate', { rating: e.currentTarget.dataset.rating }, '感谢您的评价')
    },

    onClaim() {
      return this.act('claim', {}, '已认领')
    },

    onReplyInput(e) {
      this.setData({ replyText: e.detail.value })
    },

    async onReply() {
      const text = this.data.replyText.trim()
      if (!text) {
        wx.showToast({ title: '请填写回复内容', icon: 'none' })
        return false
      }
      const ok = await this.act('reply', { text }, '已回复')
      if (ok) this.setData({ replyText: '' })
      return ok
    },

    onResolution(e) {
      this.setData({ resolutionIndex: Number(e.detail.value) })
    },

    onResolveNote(e) {
      this.setData({ resolveNote: e.detail.value })
    },

    // 转交: to another member of the branch, or back to the branch's list.
    async onTransferOpen() {
      try {
        const res = await api.get(`/requests/${this.data.id}/candidates`)
        const candidates = (res.items || []).concat([{ id: null, name: '转回支部需求清单（由党员认领）' }])
        this.setData({ candidates, candidateIndex: 0, transferReason: '', transferring: true })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    onCandidate(e) {
      this.setData({ candidateIndex: Number(e.detail.value) })
    },

    onTransferReason(e) {
      this.setData({ transferReason: e.detail.value })
    },

    async onTransfer() {
      const who = this.data.candidates[this.data.candidateIndex]
      if (!who) return false
      const ok = await this.act('transfer', { member_id: who.id, reason: this.data.transferReason.trim() }, who.id === null ? '已转回需求清单' : `已交给${who.name}`)
      if (ok) this.setData({ transferring: false })
      return ok
    },

    onResolve() {
      const resolution = RESOLUTION[this.data.resolutionIndex].value
      return this.act('resolve', { resolution, note: this.data.resolveNote.trim() }, '已办结')
    },
  },
})
