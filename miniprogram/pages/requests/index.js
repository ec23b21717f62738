// 我的诉求: the requests I submitted, newest first, with status.
const api = require('../../utils/api')
const { decorateRequest } = require('../../utils/labels')

Component({
  data: {
    items: [],
    hasMore: false,
    loading: false,
    loaded: false,
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
      this.setData({ items: this.pager.items.map(decorateRequest), hasMore: this.pager.hasMore })
    },

    async reload() {
      if (!this.pager) this.pager = api.createPager('/requests/mine')
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

    onNew() {
      wx.navigateTo({ url: '/pages/request-new/index' })
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/request-detail/index?id=${e.currentTarget.dataset.id}` })
    },
  },
})
