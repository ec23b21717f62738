// 联户走访: a member picks one of their linked households, writes what was asked, mediated or
// checked, may add a photo and the location, and submits; this month's coverage and visits are
// shown. A resident linked to a household sees (only) the visits to their home.
const api = require('../../utils/api')

function currentMonth() {
  const d = new Date()
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`
}

function chooseImage() {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count: 1,
      mediaType: ['image'],
      sizeType: ['compressed'],
      sourceType: ['album', 'camera'],
      success: (res) => resolve(((res.tempFiles || [])[0] || {}).tempFilePath || ''),
      fail: () => resolve(''),
    })
  })
}

function chooseLocation() {
  return new Promise((resolve) => {
    wx.chooseLocation({
      success: (res) => resolve(res),
      fail: () => resolve(null),
    })
  })
}

Component({
  data: {
    isMember: false,
    households: [],
    index: -1,
    linked: 0,
    visited: 0,
    percent: null,
    note: '',
    photo: null,
    location: null,
    visits: [],
    uploading: false,
    submitting: false,
    loaded: false,
  },

  methods: {
    onShow() {
      return this.load()
    },

    async load() {
      try {
        const mine = await api.get('/me/households')
        const isMember = !!mine.is_member
        const query = isMember ? { month: currentMonth(), per_page: 100 } : { per_page: 50 }
        const visits = await api.get('/visits', { query })
        this.setData({
          isMember,
          households: mine.items,
          index: isMember && this.data.index < 0 ? 0 : this.data.index,
          linked: mine.linked,
          visited: mine.visited,
          percent: mine.percent,
          visits: visits.items,
        })
      } catch (e) {
        // shown by the API wrapper (a resident not linked to a household is told how to link)
      } finally {
        this.setData({ loaded: true })
      }
    },

    onPick(e) {
      this.setData({ index: Number(e.detail.value) })
    },

    onNote(e) {
      this.setData({ note: e.detail.value })
    },

    async onPhoto() {
      if (this.data.uploading) return
      const path = await chooseImage()
      if (!path) return
      this.setData({ uploading: true })
      try {
        const up = await api.upload(path)
        this.setData({ photo: { id: up.id, url: up.url, path } })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ uploading: false })
      }
    },

    async onLocation() {
      const loc = await chooseLocation()
      if (loc) this.setData({ location: { latitude: loc.latitude, longitude: loc.longitude, label: loc.name || loc.address || '' } })
    },

    async onSubmit() {
      const h = this.data.households[this.data.index]
      const note = this.data.note.trim()
      if (!h) {
        wx.showToast({ title: '请先选择走访的户', icon: 'none' })
        return
      }
      if (note.length < 2) {
        wx.showToast({ title: '请写明走访内容（问了什么、调解了什么、卫生情况）', icon: 'none' })
        return
      }
      if (this.data.submitting || this.data.uploading) return
      const payload = { household_id: h.id, note }
      if (this.data.photo) payload.photo_id = this.data.photo.id
      if (this.data.location) {
        payload.latitude = this.data.location.latitude
        payload.longitude = this.data.location.longitude
        payload.location_label = this.data.location.label
      }
      this.setData({ submitting: true })
      try {
        await api.post('/visits', payload)
        wx.showToast({ title: '已记录走访', icon: 'success' })
        this.setData({ note: '', photo: null, location: null })
        await this.load()
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
