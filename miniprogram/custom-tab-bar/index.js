// Custom tab bar: the tabs depend on who is signed in (utils/tabbar.js).
const tabbar = require('../utils/tabbar')

Component({
  data: {
    tabs: [],
    selected: '',
  },

  lifetimes: {
    attached() {
      this.refresh(this.data.selected)
    },
  },

  methods: {
    refresh(pagePath) {
      this.setData({ tabs: tabbar.currentTabs(), selected: pagePath || this.data.selected })
    },

    onTap(e) {
      const path = e.currentTarget.dataset.path
      if (!path || path === this.data.selected) return
      wx.switchTab({ url: `/${path}` })
    },
  },
})
