// 审核: two queues on tabs.
// - 待审核承诺: commitments waiting for my review (初审 / 复审 / 备案). 通过, or 退回 with a reason.
// - 待核实践诺: fulfilment logs of my branch waiting for 核实 (secretary / township admin);
//   only verified logs count towards the 先锋指数.
const api = require('../../utils/api')
const paged = require('../../utils/paged')
const { decorateCommitment } = require('../../utils/labels')

// the second list of the page, for utils/paged
const LOGS = { pager: 'logPager', render: 'renderLogs', loading: 'logLoading', loaded: 'logLoaded' }

function decorateLog(l) {
  const quantity = `${l.quantity}${l.unit ? ` ${l.unit}` : ''}`
  const photos = (l.photos || []).map((p) => ({ id: p.id, url: api.absoluteUrl(p.url) }))
  return Object.assign({}, l, {
    memberText: l.member_name || '（导入的记录）',
    quantityText: quantity,
    dateText: l.happened_on || '',
    photos,
    photoUrls: photos.map((p) => p.url),
  })
}

Component({
  data: {
    tab: 'commitments',
    // 待审核承诺
    items: [],
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    rejectingId: 0,
    reason: '',
    reasonError: '',
    busyId: 0,
    // 待核实践诺
    logs: [],
    logTotal: 0,
    logHasMore: false,
    logLoading: false,
    logLoaded: false,
    verifyingId: 0,
  },

  methods: {
    onShow() {
      return Promise.all([this.reload(), this.reloadLogs()])
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return Promise.all([this.reload(), this.reloadLogs()]).then(done, done)
    },

    onReachBottom() {
      return this.data.tab === 'logs' ? this.loadMoreLogs() : this.loadMore()
    },

    onTab(e) {
      this.setData({ tab: e.currentTarget.dataset.tab })
    },

    // ------------------------------------------------------------ 待审核承诺

    renderList() {
      this.setData({
        items: this.pager.items.map(decorateCommitment),
        total: this.pager.total,
        hasMore: this.pager.hasMore,
      })
    },

    async reload() {
      if (!this.pager) this.pager = api.createPager('/reviews/queue')
      await paged.reload(this)
    },

    loadMore() {
      return paged.loadMore(this)
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

    // ------------------------------------------------------------ 待核实践诺

    renderLogs() {
      this.setData({
        logs: this.logPager.items.map(decorateLog),
        logTotal: this.logPager.total,
        logHasMore: this.logPager.hasMore,
      })
    },

    async reloadLogs() {
      if (!this.logPager) this.logPager = api.createPager('/reviews/logs')
      await paged.reload(this, {}, LOGS)
    },

    loadMoreLogs() {
      return paged.loadMore(this, LOGS)
    },

    removeLog(id) {
      this.logPager.items = this.logPager.items.filter((l) => l.id !== id)
      this.logPager.total = Math.max(0, this.logPager.total - 1)
      this.renderLogs()
    },

    // 核实 cannot be undone (it awards points): ask once, in plain words.
    confirmVerify(item) {
      return new Promise((resolve) => {
        wx.showModal({
          title: '核实践诺',
          content: `确认${item ? item.memberText : ''}的这条践诺属实吗？核实后计入先锋指数，不能撤销。`,
          confirmText: '属实',
          cancelText: '再看看',
          success: (res) => resolve(!!(res && res.confirm)),
          fail: () => resolve(false),
        })
      })
    },

    async onVerify(e) {
      const id = e.currentTarget.dataset.id
      if (this.data.verifyingId) return
      const item = this.data.logs.find((l) => l.id === id)
      if (!(await this.confirmVerify(item))) return
      this.setData({ verifyingId: id })
      try {
        await api.post(`/logs/${id}/verify`, {})
        this.removeLog(id)
        wx.showToast({ title: '已核实', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper; the item stays so that it can be tried again
      } finally {
        this.setData({ verifyingId: 0 })
      }
    },

    onPreview(e) {
      const { url, urls } = e.currentTarget.dataset
      wx.previewImage({ urls: urls && urls.length ? urls : [url], current: url })
    },
  },
})
