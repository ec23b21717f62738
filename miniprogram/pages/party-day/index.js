// 主题党日: this month's party day of my branch (date, topic, 到会率); sign in on the day; my
// report (发言稿), drafted from the month's logs, edited and saved, with a link to print it.
// The secretary also sees the roll and marks members present or on leave (请假).
const api = require('../../utils/api')

const STATUS = { present: '已到会', leave: '请假', absent: '缺席' }

Component({
  data: {
    day: null,
    loaded: false,
    statusText: '',
    report: '',
    reportSaved: false,
    printUrl: '',
    signing: false,
    saving: false,
  },

  methods: {
    onShow() {
      return this.load()
    },

    async load() {
      try {
        const page = await api.get('/party-days')
        const day = page.items[0] || null
        this.setDay(day)
        if (day) {
          const report = await api.get(`/party-days/${day.id}/report`)
          this.setData({ report: report.text, reportSaved: report.saved, printUrl: report.print_url })
        }
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ loaded: true })
      }
    },

    setDay(day) {
      this.setData({ day, statusText: day && day.my_status ? STATUS[day.my_status] || '' : '' })
    },

    async onSignIn() {
      if (!this.data.day || this.data.signing) return
      this.setData({ signing: true })
      try {
        const day = await api.post(`/party-days/${this.data.day.id}/sign-in`)
        this.setDay(day)
        wx.showToast({ title: '签到成功', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ signing: false })
      }
    },

    async onMark(e) {
      const { member, status } = e.currentTarget.dataset
      try {
        const day = await api.post(`/party-days/${this.data.day.id}/attendance`, { member_id: Number(member), status })
        this.setDay(day)
        wx.showToast({ title: '已登记', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      }
    },

    onReport(e) {
      this.setData({ report: e.detail.value })
    },

    async onSave() {
      const text = this.data.report.trim()
      if (!text) {
        wx.showToast({ title: '发言稿不能为空', icon: 'none' })
        return
      }
      if (this.data.saving) return
      this.setData({ saving: true })
      try {
        const saved = await api.put(`/party-days/${this.data.day.id}/report`, { text })
        this.setData({ report: saved.text, reportSaved: true, printUrl: saved.print_url })
        wx.showToast({ title: '已保存', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ saving: false })
      }
    },

    onCopyPrint() {
      wx.setClipboardData({ data: this.data.printUrl })
    },

    onGoReview() {
      wx.navigateTo({ url: '/pages/branch-review/index' })
    },

    onCopyAll() {
      wx.setClipboardData({ data: this.data.day.reports_print_url })
    },

    onCopyQr() {
      wx.setClipboardData({ data: this.data.day.sign_in_qr_url })
    },
  },
})
