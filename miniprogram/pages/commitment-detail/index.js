// 承诺详情: one commitment with its progress, review timeline and fulfilment logs.
const api = require('../../utils/api')
const config = require('../../config')
const { decorateCommitment, decorateTimeline, formatTime } = require('../../utils/labels')

// My own unverified log, recorded within the edit window: 修改 / 删除 are offered.
function editable(log, mine) {
  if (!mine || log.verified) return false
  const t = Date.parse(log.created_at)
  return !Number.isNaN(t) && Date.now() - t < config.logEditWindowHours * 3600 * 1000
}

Component({
  data: {
    id: 0,
    c: null,
    timeline: [],
    logs: [],
    hasMoreLogs: false,
    mine: false,
    windowHours: config.logEditWindowHours,
    editingId: 0,
    editQuantity: '',
    editNote: '',
    undo: null,
    busy: false,
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
        const account = api.cachedAccount()
        const memberId = account && account.member && account.member.id
        const mine = !!memberId && c.owner_kind === 'member' && c.member_id === memberId
        this.setData({ c: decorateCommitment(c), timeline: decorateTimeline(c.timeline), mine })
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
            editable: editable(l, this.data.mine),
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

    onEditLog(e) {
      const id = Number(e.currentTarget.dataset.id)
      const log = this.data.logs.find((l) => l.id === id)
      if (!log) return
      this.setData({ editingId: id, editQuantity: String(log.quantity), editNote: log.note || '' })
    },

    onEditQuantity(e) {
      this.setData({ editQuantity: e.detail.value })
    },

    onEditNote(e) {
      this.setData({ editNote: e.detail.value })
    },

    onCancelEdit() {
      this.setData({ editingId: 0 })
    },

    async onSaveLog() {
      const id = this.data.editingId
      const log = this.data.logs.find((l) => l.id === id)
      if (!log || this.data.busy) return false
      const quantity = Number(this.data.editQuantity)
      if (!Number.isInteger(quantity) || quantity < 1) {
        wx.showToast({ title: '数量应为大于 0 的整数', icon: 'none' })
        return false
      }
      const body = {}
      if (quantity !== log.quantity) body.quantity = quantity
      const note = this.data.editNote.trim()
      if (note !== (log.note || '')) body.note = note
      if (!Object.keys(body).length) {
        this.setData({ editingId: 0 })
        return false
      }
      const before = {}
      Object.keys(body).forEach((k) => {
        before[k] = log[k]
      })
      this.setData({ busy: true })
      try {
        await api.patch(`/logs/${id}`, body)
        wx.showToast({ title: '已修改', icon: 'success' })
        // An edit can be undone (within the same window): put the old values back.
        this.setData({ editingId: 0, undo: { id, body: before } })
        await this.load()
        return true
      } catch (err) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },

    async onUndo() {
      const undo = this.data.undo
      if (!undo || this.data.busy) return false
      this.setData({ busy: true, undo: null })
      try {
        await api.patch(`/logs/${undo.id}`, undo.body)
        wx.showToast({ title: '已撤销修改', icon: 'success' })
        await this.load()
        return true
      } catch (err) {
        return false
      } finally {
        this.setData({ busy: false })
      }
    },

    async onDeleteLog(e) {
      const id = Number(e.currentTarget.dataset.id)
      if (this.data.busy) return false
      const ok = await new Promise((resolve) => {
        wx.showModal({
          title: '删除这条践诺记录？',
          content: '删除后进度会相应减少，删除记录会留在办理过程中。',
          confirmText: '删除',
          cancelText: '不删',
          success: (res) => resolve(!!res.confirm),
          fail: () => resolve(false),
        })
      })
      if (!ok) return false
      this.setData({ busy: true })
      try {
        await api.del(`/logs/${id}`)
        wx.showToast({ title: '已删除', icon: 'success' })
        await this.load()
        return true
      } catch (err) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },

    onLog() {
      wx.setStorageSync('log_commitment_id', this.data.id)
      wx.switchTab({ url: '/pages/log/index' })
    },
  },
})
