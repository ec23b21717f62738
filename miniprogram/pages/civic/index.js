// 文明存折: my civic points (balance and entries), the counter code I show (a short-lived QR),
// and, for village officers, the counter: pick a good, scan the resident's code, done.
const api = require('../../utils/api')
const { formatTime } = require('../../utils/labels')

const OFFICER_ROLES = ['secretary', 'deputy_secretary', 'group_leader', 'township_admin']

Component({
  data: {
    book: null,
    entries: [],
    noBook: false,
    code: null,
    isOfficer: false,
    goods: [],
    goodIndex: 0,
    busy: false,
    lastRedeem: '',
  },

  methods: {
    onShow() {
      const account = api.cachedAccount()
      const roles = (account && account.roles) || []
      const isOfficer = roles.some((r) => OFFICER_ROLES.indexOf(r.role) >= 0)
      this.setData({ isOfficer })
      return Promise.all([this.loadBook(), isOfficer ? this.loadCatalogue() : null])
    },

    async loadBook() {
      try {
        const book = await api.get('/civic/book')
        if (!book.bound) {
          this.setData({ book: null, entries: [], noBook: true })
          return
        }
        const entries = (book.entries || []).map((e, i) => Object.assign({ key: i }, e, {
          atText: formatTime(e.at),
          pointsText: e.points > 0 ? `+${e.points}` : `${e.points}`,
        }))
        this.setData({ book, entries, noBook: false })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    async loadCatalogue() {
      try {
        const counters = await api.get('/civic/catalogue')
        const goods = []
        counters.forEach((c) => c.goods.forEach((g) => goods.push(Object.assign({}, g, {
          label: `${c.name} · ${g.name}（${g.price} 分，剩 ${g.stock}）`,
          openToday: c.open_today,
          days: c.days,
        }))))
        this.setData({ goods, goodIndex: 0 })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    async onShowCode() {
      if (this.data.busy) return
      this.setData({ busy: true })
      try {
        const code = await api.post('/civic/book/token', {})
        this.setData({ code: Object.assign({}, code, { expiresText: formatTime(code.expires_at) }) })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },

    onGood(e) {
      this.setData({ goodIndex: Number(e.detail.value) })
    },

    onScan() {
      const good = this.data.goods[this.data.goodIndex]
      if (!good || this.data.busy) return Promise.resolve()
      return new Promise((resolve) => {
        wx.scanCode({
          onlyFromCamera: true,
          success: (res) => resolve(this.redeem(res.result, good)),
          fail: () => resolve(),
        })
      })
    },

    async redeem(token, good) {
      this.setData({ busy: true })
      try {
        const done = await api.post('/civic/redeem', { token, good_id: good.id })
        this.setData({ lastRedeem: `已兑换 ${good.name}，群众余 ${done.balance} 分，库存剩 ${done.stock}` })
        wx.showToast({ title: '兑换成功', icon: 'success' })
        await this.loadCatalogue()
      } catch (e) {
        // shown by the API wrapper (已兑完、积分不够、码已用过…)
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
