// 议事: my village's agenda items (民事民提、民议、民决) and raising a new one.
const api = require('../../utils/api')

Component({
  data: {
    items: [],
    text: '',
    error: '',
    busy: false,
    loaded: false,
  },

  methods: {
    onShow() {
      return this.load()
    },

    async load() {
      try {
        this.setData({ items: await api.get('/civic/agenda') })
      } catch (e) {
        // shown by the API wrapper (e.g. 请先绑定连心卡)
      } finally {
        this.setData({ loaded: true })
      }
    },

    onText(e) {
      this.setData({ text: e.detail.value, error: '' })
    },

    async onSubmit() {
      const text = this.data.text.trim()
      if (text.length < 4) {
        this.setData({ error: '请写明要商议的事情（至少 4 个字）' })
        return
      }
      if (this.data.busy) return
      this.setData({ busy: true })
      try {
        const item = await api.post('/civic/agenda', { text })
        wx.showToast({ title: `已提交 ${item.number}`, icon: 'success' })
        this.setData({ text: '' })
        await this.load()
      } catch (e) {
        if (e && e.fields && e.fields.text) this.setData({ error: e.fields.text })
      } finally {
        this.setData({ busy: false })
      }
    },

    onOpen(e) {
      wx.navigateTo({ url: `/pages/agenda-detail/index?number=${e.currentTarget.dataset.number}` })
    },
  },
})
