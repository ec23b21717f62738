// 我的先锋指数: my points ledger (every line with its reason) and my rank in the branch.
const api = require('../../utils/api')
const { formatTime } = require('../../utils/labels')

Component({
  data: {
    year: 0,
    allYears: false,
    index: 0,
    lines: [],
    rank: 0,
    ranked: 0,
    top: [],
    loading: false,
    loaded: false,
    notMember: false,
  },

  methods: {
    onLoad() {
      this.setData({ year: new Date().getFullYear() })
      return this.load()
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.load().then(done, done)
    },

    async load() {
      let account = api.cachedAccount()
      if (!account || !account.member) {
        try {
          account = await api.get('/me')
        } catch (e) {
          return
        }
      }
      if (!account.member) {
        this.setData({ notMember: true, loaded: true })
        return
      }
      const me = account.member
      const query = this.data.allYears ? {} : { year: this.data.year }
      this.setData({ loading: true })
      try {
        const ledger = await api.get(`/members/${me.id}/points`, { query: Object.assign({ per_page: 100 }, query) })
        const ranking = await api.getAll(`/orgs/${me.org_id}/points`, { query })
        const mine = ranking.find((r) => r.member_id === me.id)
        this.setData({
          index: ledger.index,
          lines: (ledger.items || []).slice().reverse().map((l) => Object.assign({}, l, {
            atText: formatTime(l.occurred_at),
            sign: l.points > 0 ? `+${l.points}` : String(l.points),
          })),
          rank: mine ? mine.rank : 0,
          ranked: ranking.length,
          top: ranking.slice(0, 5).map((r) => ({ key: r.member_id, rank: r.rank, name: r.name, points: r.points, me: r.member_id === me.id })),
        })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false, loaded: true })
      }
    },

    onToggleYears() {
      this.setData({ allYears: !this.data.allYears })
      return this.load()
    },
  },
})
