// 承诺墙: choose a branch and see its published commitments with progress. Public, no login needed.
const api = require('../../utils/api')
const picker = require('../../utils/branches')
const { decorateCommitment } = require('../../utils/labels')
const tabbar = require('../../utils/tabbar')

const ORG_KEY = 'wall_org_id'

Component({
  data: {
    branches: [],
    branchIndex: -1,
    branchName: '',
    branchCommitments: [],
    members: [],
    loading: false,
    loaded: false,
  },

  methods: {
    onLoad() {
      return this.loadBranches()
    },

    onShow() {
      tabbar.sync(this, 'pages/wall/index')
    },

    onPullDownRefresh() {
      const done = () => wx.stopPullDownRefresh()
      return this.loadWall().then(done, done)
    },

    async loadBranches() {
      this.setData({ loading: true })
      try {
        const { branches, index } = await picker.load(ORG_KEY)
        this.setData({
          branches,
          branchIndex: index,
          branchName: index >= 0 ? branches[index].name : '',
        })
        if (index >= 0) await this.loadWall()
      } catch (e) {
        // The API wrapper has already shown the error.
      } finally {
        this.setData({ loading: false, loaded: true })
      }
    },

    onBranchChange(e) {
      const index = Number(e.detail.value)
      const branch = this.data.branches[index]
      if (!branch) return Promise.resolve()
      picker.remember(ORG_KEY, branch)
      this.setData({ branchIndex: index, branchName: branch.name })
      return this.loadWall()
    },

    async loadWall() {
      const branch = this.data.branches[this.data.branchIndex]
      if (!branch) return
      this.setData({ loading: true })
      try {
        const wall = await api.get(`/orgs/${branch.id}/wall`, { auth: false })
        this.setData({
          branchCommitments: (wall.branch_commitments || []).map(decorateCommitment),
          members: (wall.members || []).map((m, i) => ({
            key: m.public_code || `m${i}`,
            name: m.name,
            duties: m.duties || '',
            public_code: m.public_code,
            commitments: (m.commitments || []).map(decorateCommitment),
          })),
        })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loading: false })
      }
    },
  },
})
