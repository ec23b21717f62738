// 一件议事: its whole path (raised, meeting, votes, decision) and what it became; residents of
// the village vote here while it is on a meeting (one vote per household).
const api = require('../../utils/api')
const { formatTime } = require('../../utils/labels')

const CHOICES = [
  { value: 'for', label: '同意' },
  { value: 'against', label: '反对' },
  { value: 'abstain', label: '弃权' },
]

Component({
  data: {
    number: '',
    item: null,
    steps: [],
    choices: CHOICES,
    busy: false,
    voted: '',
  },

  methods: {
    onLoad(options) {
      this.setData({ number: (options && options.number) || '' })
      return this.load()
    },

    async load() {
      try {
        const item = await api.get(`/civic/agenda/${this.data.number}`, { auth: false })
        const steps = (item.steps || []).map((s, i) => Object.assign({ key: i }, s, { atText: formatTime(s.at) }))
        this.setData({ item, steps })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    onOpenCommitment() {
      const id = this.data.item && this.data.item.commitment_id
      if (id) wx.navigateTo({ url: `/pages/commitment-detail/index?id=${id}` })
    },

    async onVote(e) {
      if (this.data.busy) return
      const choice = e.currentTarget.dataset.choice
      this.setData({ busy: true })
      try {
        const r = await api.post(`/civic/agenda/${this.data.number}/vote`, { choice })
        const label = CHOICES.find((c) => c.value === r.choice).label
        this.setData({ voted: r.counted ? `已记下您家的表决：${label}` : `您家已经表决过（${label}），每户一票` })
        await this.load()
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ busy: false })
      }
    },
  },
})
