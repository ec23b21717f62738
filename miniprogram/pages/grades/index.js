// 年度评定 (secretary / township admin): each member's year-end grade (优秀 / 合格 / 基本合格 /
// 不合格), and for a township admin each branch's (好 / 较好 / 一般 / 差). Tap a grade to set or
// change it (the server keeps one grade per member and year).
const api = require('../../utils/api')

const MEMBER_GRADES = [
  { value: 'excellent', label: '优秀' },
  { value: 'qualified', label: '合格' },
  { value: 'basically_qualified', label: '基本合格' },
  { value: 'unqualified', label: '不合格' },
]
const BRANCH_GRADES = [
  { value: 'good', label: '好' },
  { value: 'fair', label: '较好' },
  { value: 'average', label: '一般' },
  { value: 'poor', label: '差' },
]
const MANAGER_ROLES = ['secretary', 'township_admin']

Component({
  data: {
    org: null,
    canBranch: false,
    kind: 'member',
    years: [],
    yearIndex: 0,
    choices: MEMBER_GRADES,
    rows: [],
    busy: false,
    loaded: false,
    refused: false,
  },

  methods: {
    onLoad() {
      const y = new Date().getFullYear()
      this.setData({ years: [y, y - 1] })
      return this.start()
    },

    async start() {
      let account = api.cachedAccount()
      if (!account) {
        try {
          account = await api.get('/me')
        } catch (e) {
          return
        }
      }
      const roles = (account.roles || []).filter((r) => MANAGER_ROLES.indexOf(r.role) >= 0)
      if (!roles.length) {
        this.setData({ refused: true, loaded: true })
        return
      }
      const admin = roles.find((r) => r.role === 'township_admin')
      const role = admin || roles[0]
      this.setData({ org: { id: role.org_id, name: role.org_name }, canBranch: !!admin })
      await this.load()
    },

    async load() {
      const { org, kind, years, yearIndex } = this.data
      if (!org) return
      try {
        const items = await api.getAll(`/orgs/${org.id}/grades`, { query: { kind, year: years[yearIndex] } })
        this.setData({
          rows: items.map((g) => ({
            key: kind === 'member' ? `m${g.member_id}` : `o${g.org_id}`,
            id: kind === 'member' ? g.member_id : g.org_id,
            name: kind === 'member' ? g.member_name : g.org_name,
            sub: kind === 'member' ? g.org_name : '',
            grade: g.grade,
            gradeLabel: g.grade_label || '',
          })),
        })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loaded: true })
      }
    },

    onYear(e) {
      this.setData({ yearIndex: Number(e.detail.value) })
      return this.load()
    },

    onKind(e) {
      const kind = e.currentTarget.dataset.kind
      if (kind === this.data.kind) return Promise.resolve()
      this.setData({ kind, choices: kind === 'member' ? MEMBER_GRADES : BRANCH_GRADES, rows: [] })
      return this.load()
    },

    async onGrade(e) {
      const { id, grade } = e.currentTarget.dataset
      if (this.data.busy) return false
      const year = this.data.years[this.data.yearIndex]
      const path = this.data.kind === 'member' ? `/members/${id}/grades` : `/orgs/${id}/grades`
      this.setData({ busy: true })
      try {
        const res = await api.post(path, { year, grade })
        const rows = this.data.rows.map((r) => (String(r.id) === String(id) ? Object.assign({}, r, { grade: res.grade, gradeLabel: res.grade_label }) : r))
        this.setData({ rows })
        wx.showToast({ title: `已评定：${res.grade_label}`, icon: 'none' })
        return true
      } catch (err) {
        return false // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
