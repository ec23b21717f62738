// 内容审核: texts the content gate held (a word on the local list, or WeChat unsure) in the
// branches I manage, oldest first (GET /reviews/content; others get an empty list). Each one is
// 准予公开 (public from then on) or 不予公开 (a reason is required; it stays hidden), through
// POST /reviews/content/<kind>/<id>; decided items leave the list.
const api = require('../../utils/api')
const paged = require('../../utils/paged')
const { formatTime } = require('../../utils/labels')

const KIND_LABEL = { log: '践诺记录', commitment: '承诺' }
const MIN_REASON = 2 // the server asks for at least two characters

function decorate(item) {
  return Object.assign({}, item, {
    key: `${item.kind}-${item.id}`,
    kindLabel: KIND_LABEL[item.kind] || item.kind,
    authorText: item.author_name || '（导入的记录）',
    createdText: formatTime(item.created_at),
    isLog: item.kind === 'log',
  })
}

Component({
  data: {
    items: [],
    total: 0,
    hasMore: false,
    loading: false,
    loaded: false,
    rejectingKey: '',
    reason: '',
    reasonError: '',
    busyKey: '',
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
        items: this.pager.items.map(decorate),
        total: this.pager.total,
        hasMore: this.pager.hasMore,
      })
    },

    async reload() {
      if (!this.pager) this.pager = api.createPager('/reviews/content')
      await paged.reload(this, { rejectingKey: '', reason: '', reasonError: '' })
    },

    loadMore() {
      return paged.loadMore(this)
    },

    onBack() {
      wx.switchTab({ url: '/pages/requests/index' })
    },

    find(key) {
      return this.data.items.find((i) => i.key === key)
    },

    removeItem(key) {
      this.pager.items = this.pager.items.filter((i) => `${i.kind}-${i.id}` !== key)
      this.pager.total = Math.max(0, this.pager.total - 1)
      this.renderList()
    },

    // Returns true when decided. Someone else may have decided first (409) or the text is
    // gone (404): the server says so in a toast and the list is loaded again.
    async decide(item, decision, reason) {
      this.setData({ busyKey: item.key })
      try {
        await api.post(`/reviews/content/${item.kind}/${item.id}`, { decision, reason })
        this.removeItem(item.key)
        wx.showToast({ title: decision === 'approve' ? '已准予公开' : '已不予公开', icon: 'success' })
        return true
      } catch (err) {
        if (err && err.fields && err.fields.reason) this.setData({ reasonError: err.fields.reason })
        else if (err && (err.status === 409 || err.status === 404)) await this.reload()
        return false
      } finally {
        this.setData({ busyKey: '' })
      }
    },

    onApprove(e) {
      const item = this.find(e.currentTarget.dataset.key)
      if (!item || this.data.busyKey) return Promise.resolve(false)
      return this.decide(item, 'approve', '')
    },

    onStartReject(e) {
      this.setData({ rejectingKey: e.currentTarget.dataset.key, reason: '', reasonError: '' })
    },

    onCancelReject() {
      this.setData({ rejectingKey: '', reason: '', reasonError: '' })
    },

    onReason(e) {
      this.setData({ reason: e.detail.value, reasonError: '' })
    },

    async onConfirmReject() {
      const item = this.find(this.data.rejectingKey)
      if (!item || this.data.busyKey) return false
      const reason = this.data.reason.trim()
      if (reason.length < MIN_REASON) {
        this.setData({ reasonError: '请写明不予公开的理由（至少两个字），会记入这条承诺的记录' })
        wx.showToast({ title: '请填写不予公开的理由', icon: 'none' })
        return false
      }
      const ok = await this.decide(item, 'reject', reason)
      if (ok) this.setData({ rejectingKey: '', reason: '' })
      return ok
    },
  },
})
