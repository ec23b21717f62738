// 群众测评: a resident linked to a household of the branch rates the branch's members once a
// quarter (满意 / 基本满意 / 不满意); opened from the link pushed to the group and to residents.
const api = require('../../utils/api')

Component({
  data: {
    id: 0,
    survey: null,
    choices: {},
    comment: '',
    done: false,
    submitting: false,
  },

  methods: {
    onLoad(query) {
      this.setData({ id: Number((query && query.id) || 0) })
    },

    onShow() {
      return this.load()
    },

    async load() {
      if (!this.data.id) return
      try {
        const survey = await api.get(`/surveys/${this.data.id}`)
        this.setData({ survey })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    onChoose(e) {
      const { member, rating } = e.currentTarget.dataset
      this.setData({ choices: Object.assign({}, this.data.choices, { [member]: rating }) })
    },

    onComment(e) {
      this.setData({ comment: e.detail.value })
    },

    async onSubmit() {
      const ratings = Object.keys(this.data.choices).map((k) => ({ member_id: Number(k), rating: this.data.choices[k] }))
      if (!ratings.length) {
        wx.showToast({ title: '请至少评价一位党员', icon: 'none' })
        return
      }
      if (this.data.submitting) return
      this.setData({ submitting: true })
      try {
        await api.post(`/surveys/${this.data.id}/answers`, { ratings, comment: this.data.comment.trim() })
        this.setData({ done: true })
        wx.showToast({ title: '感谢您的评价', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper (e.g. already answered this quarter)
      } finally {
        this.setData({ submitting: false })
      }
    },
  },
})
