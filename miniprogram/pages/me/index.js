// 我的: profile and roles, binding to the member roster (bind code or phone number), the
// resident's household (连心卡 code, or the phone number with consent) and unlinking it,
// entries to the other pages, and demo login when the server runs in demo mode.
const api = require('../../utils/api')
const config = require('../../config')
const { ROLE, REVIEWER_ROLES } = require('../../utils/labels')
const tabbar = require('../../utils/tabbar')

const DEMO_ROLES = [
  { role: 'resident', label: '以群众身份体验' },
  { role: 'member', label: '以党员身份体验' },
  { role: 'secretary', label: '以支部书记身份体验' },
  { role: 'admin', label: '以街镇管理员身份体验' },
]

Component({
  data: {
    me: null,
    roles: [],
    isMember: false,
    isReviewer: false,
    isManager: false,
    loading: false,
    failed: false,
    bindCode: '',
    binding: false,
    consent: false,
    householdCode: '',
    householdPhone: '',
    householdMembers: '',
    showDemo: !!config.demo,
    demoRoles: DEMO_ROLES,
  },

  methods: {
    onShow() {
      tabbar.sync(this, 'pages/me/index')
      return this.loadMe()
    },

    showMe(me) {
      // The tab bar and the pages by role read the account kept here (utils/tabbar.js).
      wx.setStorageSync('account', me)
      tabbar.sync(this, 'pages/me/index')
      const roles = (me.roles || []).map((r) => ({
        key: `${r.role}-${r.org_id}`,
        label: ROLE[r.role] || r.role,
        org: r.org_name || '',
      }))
      this.setData({
        me,
        roles,
        isMember: !!me.member,
        householdMembers: ((me.household && me.household.linked_members) || []).join('、'),
        isReviewer: (me.roles || []).some((r) => REVIEWER_ROLES.indexOf(r.role) >= 0),
        isManager: (me.roles || []).some((r) => r.role === 'secretary' || r.role === 'township_admin'),
        showDemo: !!config.demo || !!me.demo,
        failed: false,
      })
    },

    async loadMe() {
      this.setData({ loading: true })
      try {
        this.showMe(await api.get('/me'))
      } catch (e) {
        this.setData({ failed: true })
      } finally {
        this.setData({ loading: false })
      }
    },

    onBindCodeInput(e) {
      this.setData({ bindCode: e.detail.value })
    },

    async onBindCode() {
      const code = this.data.bindCode.trim()
      if (!code) {
        wx.showToast({ title: '请输入绑定码', icon: 'none' })
        return
      }
      if (this.data.binding) return
      this.setData({ binding: true })
      try {
        this.showMe(await api.post('/me/bind', { bind_code: code }))
        this.setData({ bindCode: '' })
        wx.showToast({ title: '绑定成功', icon: 'success' })
      } catch (e) {
        // shown by the API wrapper
      } finally {
        this.setData({ binding: false })
      }
    },

    async onGetPhoneNumber(e) {
      const detail = (e && e.detail) || {}
      if (!detail.code) {
        if (!/deny|cancel/.test(detail.errMsg || '')) {
          wx.showToast({ title: '未能获取手机号，请改用绑定码绑定', icon: 'none' })
        }
        return
      }
      this.setData({ binding: true })
      try {
        this.showMe(await api.post('/me/bind-phone', { code: detail.code }))
        wx.showToast({ title: '绑定成功', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ binding: false })
      }
    },

    onToggleConsent() {
      this.setData({ consent: !this.data.consent })
    },

    onHouseholdCodeInput(e) {
      this.setData({ householdCode: e.detail.value })
    },

    onHouseholdPhoneInput(e) {
      this.setData({ householdPhone: e.detail.value })
    },

    async linkHousehold(body, done) {
      if (this.data.binding) return
      this.setData({ binding: true })
      try {
        this.showMe(await api.post('/me/household', body))
        this.setData({ householdCode: '', householdPhone: '' })
        wx.showToast({ title: done, icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ binding: false })
      }
    },

    onHouseholdCode() {
      const code = this.data.householdCode.trim()
      if (!code) {
        wx.showToast({ title: '请输入连心卡上的户码', icon: 'none' })
        return
      }
      return this.linkHousehold({ bind_code: code }, '绑定成功')
    },

    onHouseholdPhone(e) {
      const detail = (e && e.detail) || {}
      if (!detail.code) {
        if (!/deny|cancel/.test(detail.errMsg || '')) {
          wx.showToast({ title: '未能获取手机号，请改用户码绑定', icon: 'none' })
        }
        return
      }
      return this.linkHousehold({ phone_code: detail.code, consent: this.data.consent }, '绑定成功')
    },

    onHouseholdDemoPhone() {
      const phone = this.data.householdPhone.trim()
      if (!phone) {
        wx.showToast({ title: '请输入手机号', icon: 'none' })
        return
      }
      return this.linkHousehold({ phone, consent: this.data.consent }, '绑定成功')
    },

    async onUnlinkHousehold() {
      if (this.data.binding) return
      this.setData({ binding: true })
      try {
        this.showMe(await api.request('DELETE', '/me/household'))
        wx.showToast({ title: '已解除绑定', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper
      } finally {
        this.setData({ binding: false })
      }
    },

    async onDemoLogin(e) {
      const role = e.currentTarget.dataset.role
      try {
        const res = await api.demoLogin({ role })
        if (res.account) this.showMe(res.account)
        await this.loadMe()
        wx.showToast({ title: '已切换演示身份', icon: 'success' })
      } catch (err) {
        // shown by the API wrapper (403 outside demo mode)
      }
    },

    // Forget the token; loading the profile logs in again through wx.login.
    onRelogin() {
      api.clearToken()
      return this.loadMe()
    },

    go(e) {
      wx.navigateTo({ url: e.currentTarget.dataset.url })
    },

    goTab(e) {
      wx.switchTab({ url: e.currentTarget.dataset.url })
    },

    onMyCard() {
      const code = this.data.me && this.data.me.member && this.data.me.member.public_code
      if (!code) return
      wx.setClipboardData({ data: code })
    },
  },
})
