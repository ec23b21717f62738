// 我的承诺: my commitments with status and progress; create, edit, submit, withdraw.
const api = require('../../utils/api')
const paged = require('../../utils/paged')
const { decorateCommitment } = require('../../utils/labels')

const WITHDRAWABLE = ['pending_group', 'pending_branch', 'pending_township', 'published']

Component({
  data: {
    items: [],
    hasMore: false,
    loading: false,
    loaded: false,
    busyId: 0,
  },

  methods: {
    onLoad() {
      this.pager = api.createPager('/commitments/mine')
    },

    onShow() {
      // Reload every time: the edit page or a review may have changed something.
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
        items: this.pager.items.map((c) =>
          Object.assign(decorateCommitment(c), {
            canEdit: c.status === 'draft',
            canSubmit: c.status === 'draft',
            canWithdraw: WITHDRAWABLE.indexOf(c.status) >= 0,
            canLog: c.status === 'published',
          })
        ),
        hasMore: this.pager.hasMore,
      })
    },

    async reload() {
      if (!this.pager) this.pager = api.createPager('/commitments/mine')
      await paged.reload(this)
    },

    loadMore() {
      return paged.loadMore(this)
    },

    onCreate() {
      wx.navigateTo({ url: '/pages/commitment-edit/index' })
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/commitment-detail/index?id=${e.currentTarget.dataset.id}` })
    },

    onEdit(e) {
      wx.navigateTo({ url: `/pages/commitment-edit/index?id=${e.currentTarget.dataset.id}` })
    },

    onLog(e) {
      wx.setStorageSync('log_commitment_id', e.currentTarget.dataset.id)
      wx.switchTab({ url: '/pages/log/index' })
    },

    replaceItem(updated) {
      this.pager.items = this.pager.items.map((c) => (c.id === updated.id ? updated : c))
      this.renderList()
    },

    async onSubmit(e) {
      const id = e.currentTarget.dataset.id
      if (this.data.busyId) return
      this.setData({ busyId: id })
      try {
        const updated = await api.post(`/commitments/${id}/submit`, {})
        this.replaceItem(updated)
        wx.showToast({ title: '已提交审核', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ busyId: 0 })
      }
    },

    askReason() {
      return new Promise((resolve) => {
        wx.showModal({
          title: '撤回承诺',
          editable: true,
          placeholderText: '请填写撤回原因',
          confirmText: '撤回',
          cancelText: '取消',
          success: (res) => resolve(res.confirm ? (res.content || '').trim() : null),
          fail: () => resolve(null),
        })
      })
    },

    async onWithdraw(e) {
      const id = e.currentTarget.dataset.id
      const reason = await this.askReason()
      if (reason === null) return
      if (!reason) {
        wx.showToast({ title: '请填写撤回原因', icon: 'none' })
        return
      }
      this.setData({ busyId: id })
      try {
        const updated = await api.post(`/commitments/${id}/withdraw`, { reason })
        this.replaceItem(updated)
        wx.showToast({ title: '已撤回', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ busyId: 0 })
      }
    },
  },
})
