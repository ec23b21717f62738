// 半年互评 (members): rate each other member of my branch 好 / 较好 / 一般 / 差 for this half
// year; tapping again changes the rating. Who rated whom is never shown to anyone.
const api = require('../../utils/api')

Component({
  data: {
    period: '',
    periodLabel: '',
    choices: [],
    rows: [],
    doneCount: 0,
    busy: false,
    loaded: false,
  },

  methods: {
    onLoad() {
      return this.load()
    },

    async load() {
      try {
        const sheet = await api.get('/me/mutual')
        const m = /^(\d{4})H([12])$/.exec(sheet.period || '')
        this.setData({
          period: sheet.period,
          periodLabel: m ? `${m[1]} 年${m[2] === '1' ? '上' : '下'}半年` : sheet.period,
          choices: sheet.choices || [],
          rows: (sheet.items || []).map((r) => ({ key: r.member_id, id: r.member_id, name: r.member_name, rating: r.rating, ratingLabel: r.rating_label || '' })),
        })
        this.countDone()
      } catch (e) {
        // shown by the API wrapper (e.g. 只有党员可以参加互评)
      } finally {
        this.setData({ loaded: true })
      }
    },

    countDone() {
      this.setData({ doneCount: this.data.rows.filter((r) => r.rating).length })
    },

    async onRate(e) {
      const { id, rating } = e.currentTarget.dataset
      if (this.data.busy) return false
      this.setData({ busy: true })
      try {
        const res = await api.post(`/members/${id}/mutual`, { period: this.data.period, rating })
        this.setData({
          rows: this.data.rows.map((r) => (String(r.id) === String(id) ? Object.assign({}, r, { rating: res.rating, ratingLabel: res.rating_label }) : r)),
        })
        this.countDone()
        wx.showToast({ title: `已评价${res.member_name}：${res.rating_label}`, icon: 'none' })
        return true
      } catch (err) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
