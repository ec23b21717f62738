// 进度榜 / 找党员: a branch's members sorted by progress, laggards marked (colours as on the
// web board: green on track, amber behind, red overdue, blue done; red flags for kept
// commitments; the branch's red/yellow flag of the month). A branch's printed 小程序码 opens
// it (scene "o=<branch code>", or ?o= in a link and in DevTools); tapping a member opens
// their card.
const api = require('../../utils/api')
const picker = require('../../utils/branches')
const { PROGRESS_STATE } = require('../../utils/labels')
const { sceneParam } = require('../../utils/scene')
const tabbar = require('../../utils/tabbar')

const ORG_KEY = 'wall_org_id'
const LAGGING = ['behind', 'overdue']
const FLAG_TEXT = { red: '红旗：本月本支部领先', yellow: '黄旗：本月本支部进度滞后' }

// Members with commitments by progress (highest first), then those without, then exempt.
function sortRows(rows) {
  const rank = (r) => (r.exempt ? 2 : r.commitments ? 0 : 1)
  return rows.slice().sort((a, b) => {
    if (rank(a) !== rank(b)) return rank(a) - rank(b)
    const pa = a.percent === null || a.percent === undefined ? -1 : a.percent
    const pb = b.percent === null || b.percent === undefined ? -1 : b.percent
    if (pa !== pb) return pb - pa
    return String(a.name).localeCompare(String(b.name), 'zh')
  })
}

function decorateRow(r, i) {
  const state = r.state || 'not_started'
  return Object.assign({}, r, {
    key: r.public_code || `r${i}`,
    percent: r.percent === null || r.percent === undefined ? 0 : Math.max(0, Math.min(100, r.percent)),
    stateClass: state === 'completed_late' ? 'completed' : state,
    stateLabel: PROGRESS_STATE[state] || '',
    lagging: LAGGING.indexOf(state) >= 0,
    flags: new Array(Math.min(r.completed || 0, 10)).fill(0).map((_, j) => j),
  })
}

Component({
  data: {
    branches: [],
    branchIndex: -1,
    org: null,
    flag: null,
    flagText: '',
    rows: [],
    shown: [],
    query: '',
    partners: [],
    lagging: 0,
    laggingNames: '',
    loading: false,
    loaded: false,
  },

  methods: {
    onLoad(options) {
      this.wanted = { code: sceneParam(options, 'o'), id: Number((options || {}).org_id) || 0 }
      return this.loadBranches()
    },

    onShow() {
      tabbar.sync(this, 'pages/board/index')
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.loadBoard().then(done, done)
    },

    async loadBranches() {
      this.setData({ loading: true })
      try {
        const { branches, index, missed } = await picker.load(ORG_KEY, this.wanted)
        if (missed) wx.showToast({ title: '没有找到这个支部，请从列表中选择', icon: 'none' })
        this.setData({ branches, branchIndex: index })
        if (index >= 0) await this.loadBoard()
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false, loaded: true })
      }
    },

    onBranchChange(e) {
      const index = Number(e.detail.value)
      const branch = this.data.branches[index]
      if (!branch) return Promise.resolve()
      picker.remember(ORG_KEY, branch)
      this.setData({ branchIndex: index })
      return this.loadBoard()
    },

    async loadBoard() {
      const branch = this.data.branches[this.data.branchIndex]
      if (!branch) return
      this.setData({ loading: true })
      try {
        const board = await api.get(`/orgs/${branch.id}/board`, { auth: false })
        const rows = sortRows(board.rows || []).map(decorateRow)
        this.setData({
          org: board.org,
          flag: board.flag || null,
          flagText: FLAG_TEXT[board.flag] || '',
          rows,
          shown: this.filter(rows, this.data.query),
          lagging: rows.filter((r) => r.lagging).length,
          laggingNames: rows.filter((r) => r.lagging).map((r) => r.name).join('、'),
          partners: (board.partners || []).map(decorateRow),
        })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false })
      }
    },

    filter(rows, query) {
      const q = String(query || '').trim()
      return q ? rows.filter((r) => String(r.name).indexOf(q) >= 0) : rows
    },

    // 找党员: narrow the list by name.
    onQuery(e) {
      const query = e.detail.value
      this.setData({ query, shown: this.filter(this.data.rows, query) })
    },

    onOpen(e) {
      const code = e.currentTarget.dataset.code
      if (code) wx.navigateTo({ url: `/pages/member/index?m=${encodeURIComponent(code)}` })
    },
  },
})
