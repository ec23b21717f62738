// Chinese labels for the enums of the API, and small view-model helpers.

const COMMITMENT_STATUS = {
  draft: '草稿',
  pending_group: '待党小组初审',
  pending_branch: '待支部复审',
  pending_township: '待街镇备案',
  published: '已公开',
  withdrawn: '已撤回',
}

const PROGRESS_STATE = {
  on_track: '进度正常',
  behind: '进度落后',
  overdue: '已逾期',
  completed: '已完成',
  completed_late: '逾期完成',
  not_started: '未开始',
}

const TARGET_KIND = [
  { value: 'count', label: '按数量累计' },
  { value: 'periodic', label: '按周期完成' },
  { value: 'deadline', label: '限期完成' },
]

const FREQUENCY = [
  { value: 'daily', label: '每天' },
  { value: 'weekly', label: '每周' },
  { value: 'biweekly', label: '每两周' },
  { value: 'halfmonth', label: '每半月' },
  { value: 'monthly', label: '每月' },
  { value: 'bimonthly', label: '每两个月' },
  { value: 'quarterly', label: '每季度' },
  { value: 'halfyearly', label: '每半年' },
  { value: 'yearly', label: '每年' },
]

const CATEGORIES = ['志愿服务', '邻里帮扶', '环境整治', '政策宣传', '技能服务', '产业发展', '其他']

const REQUEST_KIND = [
  { value: 'problem', label: '问题反映' },
  { value: 'wish', label: '微心愿' },
  { value: 'suggestion', label: '建议' },
  { value: 'complaint', label: '投诉' },
]

const REQUEST_STATUS = {
  submitted: '已提交',
  assigned: '已分派',
  claimed: '已认领',
  in_progress: '办理中',
  resolved: '已办结',
  confirmed: '已确认',
}

const RESOLUTION = [
  { value: 'done', label: '已解决' },
  { value: 'not_feasible', label: '暂不具备条件' },
  { value: 'duplicate', label: '重复反映' },
  { value: 'referred', label: '已转交相关部门' },
]

const RATING = [
  { value: 'satisfied', label: '满意' },
  { value: 'basically_satisfied', label: '基本满意' },
  { value: 'unsatisfied', label: '不满意' },
]

const ROLE = {
  resident: '群众',
  member: '党员',
  group_leader: '党小组长',
  secretary: '支部书记',
  township_admin: '街镇管理员',
  admin: '街镇管理员',
}

const REVIEWER_ROLES = ['group_leader', 'secretary', 'township_admin', 'admin']

function labelOf(list, value) {
  const hit = list.find((x) => x.value === value)
  return hit ? hit.label : value || ''
}

function frequencyLabel(value) {
  return labelOf(FREQUENCY, value)
}

// "每月 1 次" / "共 340 户" / "限期完成 13 口"
function targetText(c) {
  if (!c) return ''
  const qty = `${c.target_quantity || ''} ${c.unit || ''}`.trim()
  if (c.target_kind === 'periodic') return `${frequencyLabel(c.frequency)} ${qty}`.trim()
  if (c.target_kind === 'deadline') return `限期完成 ${qty}`.trim()
  return `共 ${qty}`.trim()
}

function clampPercent(p) {
  const n = Number(p) || 0
  return Math.max(0, Math.min(100, Math.round(n)))
}

// Add display fields to a Commitment for templates.
function decorateCommitment(c) {
  const progress = c.progress || { percent: 0, state: 'not_started', done: 0, target: 0, label: '' }
  return Object.assign({}, c, {
    statusLabel: COMMITMENT_STATUS[c.status] || c.status || '',
    targetText: targetText(c),
    percent: clampPercent(progress.percent),
    progressState: progress.state || 'not_started',
    progressLabel: progress.label || PROGRESS_STATE[progress.state] || '',
    period: [c.start_date, c.end_date].filter(Boolean).join(' 至 '),
  })
}

function kindLabel(kind) {
  return labelOf(REQUEST_KIND, kind)
}

function formatTime(iso) {
  if (!iso) return ''
  // "2024-05-01T09:30:00+08:00" -> "2024-05-01 09:30"
  const m = String(iso).match(/^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}))?/)
  return m ? [m[1], m[2]].filter(Boolean).join(' ') : String(iso)
}

function decorateRequest(r) {
  return Object.assign({}, r, {
    kindLabel: kindLabel(r.kind),
    statusLabel: REQUEST_STATUS[r.status] || r.status || '',
    resolutionLabel: r.resolution ? labelOf(RESOLUTION, r.resolution) : '',
    ratingLabel: r.rating ? labelOf(RATING, r.rating) : '',
    createdText: formatTime(r.created_at),
    dueText: formatTime(r.due_at),
    can: r.can || {},
  })
}

function decorateTimeline(list) {
  return (list || []).map((t, i) => Object.assign({ key: i }, t, { atText: formatTime(t.at) }))
}

function today() {
  const d = new Date()
  const pad = (n) => (n < 10 ? `0${n}` : `${n}`)
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`
}

module.exports = {
  COMMITMENT_STATUS,
  PROGRESS_STATE,
  TARGET_KIND,
  FREQUENCY,
  CATEGORIES,
  REQUEST_KIND,
  REQUEST_STATUS,
  RESOLUTION,
  RATING,
  ROLE,
  REVIEWER_ROLES,
  labelOf,
  targetText,
  decorateCommitment,
  decorateRequest,
  decorateTimeline,
  kindLabel,
  formatTime,
  today,
}
