// 审核: commitments waiting for my review (初审 / 复审 / 备案). 通过, or 退回 with a reason.
const api = require('../../utils/api')
const { decorateCommitment } = require('../../utils/labels')

Component({
  data: {
    items: [],
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    rejectingId: 0,
    reason: '',
    reasonError: '',
    busyId: 0,
  },

  methods: {
    onShow() {
      return this.reload()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.reload().then(done, done)
    },

    onReachBottom() {
      return this.loadMore()
    },

    renderList() {
      this.setData({
        items: this.pager.items.map(decorateCommitment),
        total: this.pager.total,
        hasMore: this.pager.hasMore,
      })
    },

    async reload() {
      if (!this.pager) this.pager = api.createPager('/reviews/queue')
      this.setData({ loading: true })
      try {
        await this.pager.reset()
        this.renderList()
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false, loaded: true })
      }
    },

    async loadMore() {
      if (!this.pager || !this.pager.hasMore) return
      try {
        await this.pager.next()
        this.renderList()
      } catch (e) {
        // shown by the API wrapper
      }
    },

    removeItem(id) {
      this.pager.items = this.pager.items.filter((c) => c.id !== id)
      this.pager.total = Math.max(0, this.pager.total - 1)
      this.renderList()
    },

    async onApprove(e) {
      const id = e.currentTarget.dataset.id
      if (this.data.busyId) return
      this.setData({ busyId: id })
      try {
        await api.post(`/commitments/${id}/review`, { decision: 'approve', reason: '' })
        this.removeItem(id)
        wx.showToast({ title: '已通过', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ busyId: 0 })
      }
    },

    onStartReject(e) {
      this.setData({ rejectingId: e.currentTarget.dataset.id, reason: '', reasonError: '' })
    },

    onCancelReject() {
      this.setData({ rejectingId: 0, reason: '', reasonError: '' })
    },

    onReason(e) {
      this.setData({ reason: e.detail.value, reasonError: '' })
    },

    async onConfirmReject() {
      const id = this.data.rejectingId
      const reason = this.data.reason.trim()
      if (!reason) {
        this.setData({ reasonError: '请填写退回理由，告诉对方要怎么改' })
        wx.showToast({ title: '请填写退回理由', icon: 'none' })
        return
      }
      this.setData({ busyId: id })
      try {
        await api.post(`/commitments/${id}/review`, { decision: 'reject', reason })
        this.removeItem(id)
        this.setData({ rejectingId: 0, reason: '' })
        wx.showToast({ title: '已退回', icon: 'success' })
      } catch (err) {
        if (err && err.fields && err.fields.reason) this.setData({ reasonError: err.fields.reason })
      } finally {
        this.setData({ busyId: 0 })
      }
    },
  },
})
