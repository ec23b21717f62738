// 记录践诺: pick one of my published commitments, say how much was done, add a note and
// photos, submit; the new progress is shown right away.
const api = require('../../utils/api')
const { decorateCommitment, today } = require('../../utils/labels')
const tabbar = require('../../utils/tabbar')

const MAX_PHOTOS = 6
const MAX_QTY = 999

function chooseImages(count) {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sizeType: ['compressed'],
      sourceType: ['album', 'camera'],
      success: (res) => resolve((res.tempFiles || []).map((f) => f.tempFilePath)),
      // The user closed the picker: nothing to report.
      fail: () => resolve([]),
    })
  })
}

Component({
  data: {
    commitments: [],
    index: -1,
    selected: null,
    quantity: 1,
    note: '',
    happenedOn: '',
    today: '',
    photos: [],
    maxPhotos: MAX_PHOTOS,
    uploading: false,
    submitting: false,
    loading: false,
    loaded: false,
    result: null,
  },

  methods: {
    onLoad() {
      this.setData({ today: today(), happenedOn: today() })
    },

    onShow() {
      tabbar.sync(this, 'pages/log/index')
      return this.loadCommitments()
    },

    async loadCommitments() {
      this.setData({ loading: true })
      try {
        const all = await api.getAll('/commitments/mine')
        const commitments = all.filter((c) => c.status === 'published').map(decorateCommitment)
        // A commitment chosen on another page (我的承诺 → 记录践诺) wins; otherwise keep the current one.
        const wanted = Number(wx.getStorageSync('log_commitment_id')) || (this.data.selected && this.data.selected.id) || 0
        if (wx.getStorageSync('log_commitment_id')) wx.removeStorageSync('log_commitment_id')
        let index = commitments.findIndex((c) => c.id === wanted)
        if (index < 0) index = commitments.length ? 0 : -1
        this.setData({ commitments, index, selected: index >= 0 ? commitments[index] : null })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false, loaded: true })
      }
    },

    onPick(e) {
      const index = Number(e.detail.value)
      this.setData({ index, selected: this.data.commitments[index] || null, result: null })
    },

    setQuantity(q) {
      const n = Math.max(1, Math.min(MAX_QTY, Math.floor(Number(q) || 1)))
      this.setData({ quantity: n })
    },

    onMinus() {
      this.setQuantity(this.data.quantity - 1)
    },

    onPlus() {
      this.setQuantity(this.data.quantity + 1)
    },

    onQuantityInput(e) {
      const v = e.detail.value
      if (v === '') return
      this.setQuantity(v)
    },

    onNote(e) {
      this.setData({ note: e.detail.value })
    },

    onDate(e) {
      this.setData({ happenedOn: e.detail.value })
    },

    async onAddPhoto() {
      if (this.data.uploading) return
      const room = MAX_PHOTOS - this.data.photos.length
      if (room <= 0) {
        wx.showToast({ title: `最多上传 ${MAX_PHOTOS} 张照片`, icon: 'none' })
        return
      }
      const paths = await chooseImages(room)
      if (!paths.length) return
      this.setData({ uploading: true })
      try {
        for (const p of paths) {
          // eslint-disable-next-line no-await-in-loop
          const up = await api.upload(p)
          this.setData({ photos: this.data.photos.concat([{ id: up.id, url: up.url || p, path: p }]) })
        }
      } catch (e) {
        // The wrapper showed why the upload failed; photos already uploaded stay.
      } finally {
        this.setData({ uploading: false })
      }
    },

    onRemovePhoto(e) {
      const id = e.currentTarget.dataset.id
      this.setData({ photos: this.data.photos.filter((p) => p.id !== id) })
    },

    async onSubmit() {
      const c = this.data.selected
      if (!c) {
        wx.showToast({ title: '请先选择一条承诺', icon: 'none' })
        return
      }
      if (this.data.uploading) {
        wx.showToast({ title: '照片正在上传，请稍候', icon: 'none' })
        return
      }
      if (this.data.submitting) return
      const payload = {
        quantity: this.data.quantity,
        note: this.data.note.trim(),
        photo_ids: this.data.photos.map((p) => p.id),
      }
      if (this.data.happenedOn && this.data.happenedOn !== this.data.today) payload.happened_on = this.data.happenedOn
      this.setData({ submitting: true })
      try {
        const res = await api.post(`/commitments/${c.id}/logs`, payload)
        const updated = decorateCommitment(Object.assign({}, c, { progress: res.progress }))
        const commitments = this.data.commitments.map((x) => (x.id === c.id ? updated : x))
        this.setData({
          commitments,
          selected: updated,
          result: { percent: updated.percent, label: updated.progressLabel, state: updated.progressState },
          quantity: 1,
          note: '',
          photos: [],
          happenedOn: this.data.today,
        })
        wx.showToast({ title: '已记录', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ submitting: false })
      }
    },

    onGoMine() {
      wx.navigateTo({ url: '/pages/mine/index' })
    },
  },
})
