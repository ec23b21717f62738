// 承诺详情: one commitment with its progress, review timeline and fulfilment logs.
const api = require('../../utils/api')
const { decorateCommitment, decorateTimeline, formatTime } = require('../../utils/labels')

Component({
  data: {
    id: 0,
    c: null,
    timeline: [],
    logs: [],
    hasMoreLogs: false,
  },

  methods: {
    onLoad(options) {
      const id = Number((options && options.id) || 0)
      this.setData({ id })
      this.logPager = api.createPager(`/commitments/${id}/logs`)
      return this.load()
    },

    async load() {
      try {
        const c = await api.get(`/commitments/${this.data.id}`)
        this.setData({ c: decorateCommitment(c), timeline: decorateTimeline(c.timeline) })
        if (c.status === 'published') {
          await this.logPager.reset()
          this.renderLogs()
        }
      } catch (e) {
        // shown by the API wrapper
      }
    },

    renderLogs() {
      this.setData({
        logs: this.logPager.items.map((l) =>
          Object.assign({}, l, {
            createdText: formatTime(l.created_at),
            photos: (l.photos || []).map((p) => ({ id: p.id, url: api.absoluteUrl(p.url) })),
          })
        ),
        hasMoreLogs: this.logPager.hasMore,
      })
    },

    async moreLogs() {
      try {
        await this.logPager.next()
        this.renderLogs()
      } catch (e) {
        // shown by the API wrapper
      }
    },

    onReachBottom() {
      if (this.data.hasMoreLogs) return this.moreLogs()
      return Promise.resolve()
    },

    onPreview(e) {
      wx.previewImage({ urls: [e.currentTarget.dataset.url], current: e.currentTarget.dataset.url })
    },

    onLog() {
      wx.setStorageSync('log_commitment_id', this.data.id)
      wx.switchTab({ url: '/pages/log/index' })
    },
  },
})
