// 我要反映: submit a request (问题反映 / 微心愿 / 建议 / 投诉) with text, location and photos.
// Opened with ?member_code=XXX (from a member's QR code) the request goes to that member.
const api = require('../../utils/api')
const subscribe = require('../../utils/subscribe')
const { REQUEST_KIND } = require('../../utils/labels')

const MAX_PHOTOS = 6

Component({
  data: {
    kinds: REQUEST_KIND,
    kindIndex: 0,
    text: '',
    location: '',
    memberCode: '',
    photos: [],
    maxPhotos: MAX_PHOTOS,
    uploading: false,
    submitting: false,
    errors: {},
  },

  methods: {
    onLoad(options) {
      const o = options || {}
      const kindIndex = REQUEST_KIND.findIndex((k) => k.value === o.kind)
      this.setData({ memberCode: o.member_code || '', kindIndex: kindIndex >= 0 ? kindIndex : 0 })
      subscribe.templates() // loaded ahead, so that the submit tap can ask at once
    },

    onKind(e) {
      this.setData({ kindIndex: Number(e.detail.value) })
    },

    onText(e) {
      this.setData({ text: e.detail.value, 'errors.text': '' })
    },

    onLocation(e) {
      this.setData({ location: e.detail.value })
    },

    onChooseLocation() {
      wx.chooseLocation({
        success: (res) => {
          const place = [res.address, res.name].filter(Boolean).join(' ')
          if (place) this.setData({ location: place })
        },
        fail: (err) => {
          if (err && /cancel/.test(err.errMsg || '')) return
          wx.showToast({ title: '无法获取位置，请直接输入地点', icon: 'none' })
        },
      })
    },

    async onAddPhoto() {
      if (this.data.uploading) return
      const room = MAX_PHOTOS - this.data.photos.length
      if (room <= 0) return
      const paths = await new Promise((resolve) => {
        wx.chooseMedia({
          count: room,
          mediaType: ['image'],
          sizeType: ['compressed'],
          sourceType: ['album', 'camera'],
          success: (res) => resolve((res.tempFiles || []).map((f) => f.tempFilePath)),
          fail: () => resolve([]),
        })
      })
      if (!paths.length) return
      this.setData({ uploading: true })
      try {
        for (const p of paths) {
          // eslint-disable-next-line no-await-in-loop
          const up = await api.upload(p)
          this.setData({ photos: this.data.photos.concat([{ id: up.id, url: up.url || p, path: p }]) })
        }
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ uploading: false })
      }
    },

    onRemovePhoto(e) {
      const id = e.currentTarget.dataset.id
      this.setData({ photos: this.data.photos.filter((p) => p.id !== id) })
    },

    async onSubmit() {
      if (this.data.submitting) return
      const text = this.data.text.trim()
      if (text.length < 5) {
        this.setData({ 'errors.text': '请把事情说清楚一些（至少 5 个字）' })
        wx.showToast({ title: '请把事情说清楚一些（至少 5 个字）', icon: 'none' })
        return
      }
      if (this.data.uploading) {
        wx.showToast({ title: '照片正在上传，请稍候', icon: 'none' })
        return
      }
      const payload = {
        kind: REQUEST_KIND[this.data.kindIndex].value,
        text,
        location: this.data.location.trim(),
        photo_ids: this.data.photos.map((p) => p.id),
      }
      if (this.data.memberCode) payload.member_code = this.data.memberCode
      this.setData({ submitting: true })
      // Ask to allow the answer's notice before submitting (a refusal changes nothing).
      await subscribe.ask('request')
      try {
        const r = await api.post('/requests', payload)
        wx.showToast({ title: `已提交，编号 ${r.number}`, icon: 'none', duration: 3000 })
        wx.redirectTo({ url: `/pages/request-detail/index?id=${r.id}` })
      } catch (err) {
        if (err && err.fields) this.setData({ errors: err.fields })
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
