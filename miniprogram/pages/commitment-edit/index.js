// 定诺: create a draft commitment (or edit a draft when opened with ?id=).
// A commitment must be measurable: quantity + unit, a time bound and who it serves.
const api = require('../../utils/api')
const { TARGET_KIND, FREQUENCY, CATEGORIES, today } = require('../../utils/labels')

function yearEnd() {
  return `${new Date().getFullYear()}-12-31`
}

Component({
  data: {
    id: 0,
    categories: CATEGORIES,
    targetKinds: TARGET_KIND,
    frequencies: FREQUENCY,
    form: {
      title: '',
      description: '',
      category: '',
      target_quantity: 1,
      unit: '次',
      target_kind: 'periodic',
      frequency: 'monthly',
      start_date: '',
      end_date: '',
      beneficiary: '',
    },
    categoryIndex: -1,
    targetKindIndex: 1,
    frequencyIndex: 1,
    errors: {},
    saving: false,
    templates: [], // pledge templates for my branch type and 特长 (GET /pledge-templates)
  },

  methods: {
    onLoad(options) {
      const id = Number((options && options.id) || 0)
      this.setData({ id, 'form.start_date': today(), 'form.end_date': yearEnd() })
      if (id) {
        wx.setNavigationBarTitle && wx.setNavigationBarTitle({ title: '修改承诺' })
        return this.loadExisting(id)
      }
      return Promise.resolve()
    },

    // 从承诺模板选 (tapped): my branch type's templates first, then the picker shows them.
    async onShowTemplates() {
      try {
        const page = await api.get('/pledge-templates', { query: { per_page: 30 }, silent: true })
        this.setData({ templates: page.items })
      } catch (e) {
        // templates are a help, not a requirement: the form works without them
      }
    },

    // 从模板选: fill the title and the measurable fields the server read from the template.
    onTemplate(e) {
      const t = this.data.templates[Number(e.detail.value)]
      if (!t) return
      const m = t.measure
      this.setData({
        'form.title': t.text,
        'form.target_kind': m.target_kind,
        'form.frequency': m.frequency || this.data.form.frequency,
        'form.target_quantity': m.target_quantity,
        'form.unit': m.unit,
        targetKindIndex: Math.max(0, TARGET_KIND.findIndex((x) => x.value === m.target_kind)),
        frequencyIndex: Math.max(0, FREQUENCY.findIndex((x) => x.value === (m.frequency || this.data.form.frequency))),
        'errors.title': '',
      })
    },

    async loadExisting(id) {
      try {
        const c = await api.get(`/commitments/${id}`)
        const form = {}
        Object.keys(this.data.form).forEach((k) => {
          form[k] = c[k] === null || c[k] === undefined ? '' : c[k]
        })
        if (!form.frequency) form.frequency = 'monthly'
        this.setData({
          form,
          categoryIndex: CATEGORIES.indexOf(form.category),
          targetKindIndex: Math.max(0, TARGET_KIND.findIndex((x) => x.value === form.target_kind)),
          frequencyIndex: Math.max(0, FREQUENCY.findIndex((x) => x.value === form.frequency)),
        })
      } catch (e) {
        // shown by the API wrapper
      }
    },

    onInput(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [`form.${field}`]: e.detail.value, [`errors.${field}`]: '' })
    },

    onCategory(e) {
      const i = Number(e.detail.value)
      this.setData({ categoryIndex: i, 'form.category': CATEGORIES[i], 'errors.category': '' })
    },

    onTargetKind(e) {
      const i = Number(e.detail.value)
      this.setData({ targetKindIndex: i, 'form.target_kind': TARGET_KIND[i].value })
    },

    onFrequency(e) {
      const i = Number(e.detail.value)
      this.setData({ frequencyIndex: i, 'form.frequency': FREQUENCY[i].value })
    },

    onDate(e) {
      const field = e.currentTarget.dataset.field
      this.setData({ [`form.${field}`]: e.detail.value, [`errors.${field}`]: '' })
    },

    // Local checks with plain messages; the server checks again and has the last word.
    validate(form) {
      const errors = {}
      if (!String(form.title).trim()) errors.title = '请填写承诺内容'
      const qty = Number(form.target_quantity)
      if (!Number.isInteger(qty) || qty < 1) errors.target_quantity = '目标数量要填大于 0 的整数'
      if (!String(form.unit).trim()) errors.unit = '请填写单位，如：次、户、小时'
      if (!form.end_date) errors.end_date = '请选择完成期限'
      if (!String(form.beneficiary).trim()) errors.beneficiary = '请填写服务对象，如：村东生产路、联系的 5 户群众'
      return errors
    },

    payload() {
      const f = this.data.form
      return {
        title: String(f.title).trim(),
        description: String(f.description || '').trim(),
        category: f.category || '其他',
        target_quantity: Number(f.target_quantity),
        unit: String(f.unit).trim(),
        target_kind: f.target_kind,
        frequency: f.target_kind === 'periodic' ? f.frequency : null,
        start_date: f.start_date,
        end_date: f.end_date,
        beneficiary: String(f.beneficiary).trim(),
      }
    },

    async onSave() {
      if (this.data.saving) return
      const errors = this.validate(this.data.form)
      if (Object.keys(errors).length) {
        this.setData({ errors })
        wx.showToast({ title: errors[Object.keys(errors)[0]], icon: 'none' })
        return
      }
      this.setData({ saving: true, errors: {} })
      try {
        const body = this.payload()
        if (this.data.id) await api.patch(`/commitments/${this.data.id}`, body)
        else await api.post('/commitments', body)
        wx.showToast({ title: '已保存为草稿', icon: 'success' })
        setTimeout(() => wx.navigateBack({ delta: 1 }), 800)
      } catch (err) {
        // The wrapper showed the toast; also mark the fields the server named.
        if (err && err.fields) this.setData({ errors: err.fields })
      } finally {
        this.setData({ saving: false })
      }
    },
  },
})
