// 党员名片: what a member's printed 小程序码 opens (scene "m=<public code>", or ?m= in a link
// and in DevTools). Commitments with progress, recent logs with photos, 找他办事, and on a
// log the 群众销账 button, shown only to the resident that member serves (the server says
// which logs: GET /members/<code>/sign-offs).
const api = require('../../utils/api')
const { decorateCommitment, RATING } = require('../../utils/labels')
const { sceneParam } = require('../../utils/scene')

function decorateLog(log, commitments) {
  const c = commitments.find((x) => x.id === log.commitment_id)
  return Object.assign({}, log, {
    title: c ? c.title : '',
    unit: c ? c.unit : '',
    photos: (log.photos || []).map((p) => Object.assign({}, p, { url: api.absoluteUrl(p.url) })),
  })
}

Component({
  data: {
    code: '',
    card: null,
    commitments: [],
    logs: [],
    confirmable: {},
    rated: {},
    signingId: 0,
    ratings: RATING,
    busy: false,
    loading: false,
    failed: false,
  },

  methods: {
    onLoad(options) {
      const code = sceneParam(options, 'm')
      this.setData({ code })
      if (!code) {
        this.setData({ failed: true })
        return Promise.resolve()
      }
      return this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.load().then(done, done)
    },

    async load() {
      this.setData({ loading: true })
      try {
        const card = await api.get(`/members/${encodeURIComponent(this.data.code)}/card`, { auth: false })
        const commitments = (card.commitments || []).map(decorateCommitment)
        this.setData({
          card,
          photoUrl: api.absoluteUrl(card.photo_url || ''),
          commitments,
          logs: (card.logs || []).map((l) => decorateLog(l, commitments)),
          failed: false,
        })
        wx.setNavigationBarTitle && wx.setNavigationBarTitle({ title: `${card.name} · 党员名片` })
        await this.loadSignOffs()
      } catch (e) {
        this.setData({ failed: true })
      } finally {
        this.setData({ loading: false })
      }
    },

    // Which logs the signed-in resident may confirm; quietly nothing when not signed in.
    async loadSignOffs() {
      if (!this.data.logs.length) return
      try {
        const res = await api.get(`/members/${encodeURIComponent(this.data.code)}/sign-offs`, { silent: true })
        const confirmable = {}
        ;(res.confirmable || []).forEach((id) => {
          confirmable[id] = true
        })
        const rated = {}
        ;(res.rated || []).forEach((r) => {
          rated[r.log_id] = r.rating_label
        })
        this.setData({ confirmable, rated })
      } catch (e) {
        this.setData({ confirmable: {}, rated: {} })
      }
    },

    onAsk() {
      wx.navigateTo({ url: `/pages/request-new/index?member_code=${encodeURIComponent(this.data.code)}` })
    },

    onPreview(e) {
      const { url, urls } = e.currentTarget.dataset
      wx.previewImage({ current: url, urls: urls || [url] })
    },

    onSignOff(e) {
      const id = Number(e.currentTarget.dataset.id)
      this.setData({ signingId: this.data.signingId === id ? 0 : id })
    },

    async onSignOffRate(e) {
      const id = this.data.signingId
      const rating = e.currentTarget.dataset.rating
      if (!id || this.data.busy) return false
      this.setData({ busy: true })
      try {
        const res = await api.post(`/logs/${id}/confirm`, { rating })
        const label = (res.evaluation && res.evaluation.rating_label) || ''
        const logs = this.data.logs.map((l) => (l.id === id && res.log ? Object.assign({}, l, { verified: !!res.log.verified }) : l))
        this.setData({ [`rated.${id}`]: label, signingId: 0, logs })
        wx.showToast({ title: rating === 'unsatisfied' ? '已记录您的评价' : '已确认，感谢您的评价', icon: 'none' })
        return true
      } catch (err) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
