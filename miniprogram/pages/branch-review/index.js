// 三评 (secretary): this month's branch score of each member (rubric from the server), the
// quarter's residents' survey (open it: the link is pushed to the group and to linked
// residents) and its results per member.
const api = require('../../utils/api')

function pad(n) {
  return String(n).padStart(2, '0')
}

function thisMonth() {
  const d = new Date()
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}`
}

function thisQuarter() {
  const d = new Date()
  return `${d.getFullYear()}Q${Math.floor(d.getMonth() / 3) + 1}`
}

Component({
  data: {
    orgId: 0,
    month: '',
    quarter: '',
    rubric: [],
    scores: [],
    survey: null,
    opening: false,
    yearRows: [],
  },

  methods: {
    onLoad() {
      this.setData({ month: thisMonth(), quarter: thisQuarter() })
    },

    async onShow() {
      try {
        const me = await api.get('/me')
        const orgId = me.member ? me.member.org_id : 0
        this.setData({ orgId })
        if (orgId) await this.loadScores()
        if (orgId) await this.loadYear()
      } catch (e) {
        // shown by the API wrapper
      }
    },

    async loadScores() {
      try {
        const page = await api.get(`/orgs/${this.data.orgId}/branch-scores`, { query: { month: this.data.month, per_page: 100 } })
        this.setData({ rubric: page.rubric, scores: page.items })
      } catch (e) {
        // shown by the API wrapper (only the secretary may score)
      }
    },

    // 三评汇总: the year's index, the three evaluations and the weighted score, per member.
    async loadYear() {
      try {
        const page = await api.get(`/orgs/${this.data.orgId}/three-reviews`, { query: { per_page: 100 } })
        this.setData({ yearRows: page.items })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    async onGrade(e) {
      const { member, grade } = e.currentTarget.dataset
      try {
        const row = await api.post(`/members/${member}/branch-scores`, { month: this.data.month, grade })
        this.setData({ scores: this.data.scores.map((s) => (s.member_id === row.member_id ? row : s)) })
        wx.showToast({ title: '已评定', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      }
    },

    async onOpenSurvey() {
      if (this.data.opening || !this.data.orgId) return
      this.setData({ opening: true })
      try {
        const survey = await api.post(`/orgs/${this.data.orgId}/surveys`, { quarter: this.data.quarter })
        this.setData({ survey })
        wx.showToast({ title: survey.pushed ? `已推送 ${survey.pushed} 条` : '测评已发起', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ opening: false })
      }
    },
  },
})
