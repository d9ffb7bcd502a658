// Favor dashboard: plain JS, no build step, no external fetches. Reads the daemon's API with the session
// cookie set by the one-time login link (`favor start` prints it), redraws on server-sent events and
// every 10 s. Without a session the first call answers 401 and the page says how to log in.
// The page's CSP allows no inline style or script: nothing here sets a style attribute; colours come
// from classes in style.css and charts and bars are SVG with geometry attributes only.
const $ = (sel) => document.querySelector(sel)
const SVGNS = 'http://www.w3.org/2000/svg'
const SERIES = 10 // colour classes s0…s9 / c0…c9 in style.css
const OUTCOMES = ['pass', 'missing', 'slow', 'unreachable']

const state = {
  me: null, names: new Map(), refreshing: false, again: false, loggedIn: null, events: null,
  nextEpoch: null, lastData: null
}

class LoggedOut extends Error {}

function setLoggedIn(yes) {
  if (yes && state.events === null) connect()
  if (state.loggedIn === yes) return
  state.loggedIn = yes
  $('#login').classList.toggle('hidden', yes)
  document.body.dataset.auth = yes ? 'in' : 'out'
  if (!yes) {
    $('#live').textContent = 'not logged in'
    $('#live').className = 'pill off'
  }
}

async function get(path) {
  const res = await fetch(path, { headers: { accept: 'application/json' }, credentials: 'same-origin' })
  if (res.status === 401) throw new LoggedOut(`${path}: 401`)
  if (!res.ok) throw new Error(`${path}: ${res.status}`)
  return res.json()
}

// --- formatting ---------------------------------------------------------------------------------

const favor = (micro) => {
  if (micro === null || micro === undefined) return '–'
  const v = BigInt(micro)
  const neg = v < 0n
  const m = neg ? -v : v
  const whole = m / 1000000n
  // small amounts (the demo's cores are small) keep all six decimals, so they never read as −0.000
  const frac = String(m % 1000000n).padStart(6, '0').slice(0, whole === 0n ? 6 : 3)
  return `${neg ? '−' : ''}${whole.toLocaleString()}.${frac}`
}
const bytes = (n) => {
  if (n === null || n === undefined) return '–'
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let i = 0
  while (n >= 1024 && i < u.length - 1) { n /= 1024; i++ }
  return `${i === 0 ? n : n.toFixed(1)} ${u[i]}`
}
const duration = (ms) => {
  const s = Math.max(1, Math.ceil(ms / 1000))
  if (s < 60) return `${s} s`
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60 ? `${s % 60} s` : ''}`.trim()
  const h = Math.floor(s / 3600)
  return `${h} h ${Math.round((s % 3600) / 60)} min`
}
const short = (hex) => (hex ? `${hex.slice(0, 8)}…` : '–')
const nameOf = (id) => state.names.get(id) ?? short(id)
const plural = (n, word) => `${n} ${word}${n === 1 ? '' : 's'}`

// --- DOM helpers --------------------------------------------------------------------------------

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue
    if (k === 'class') e.className = v
    else e.setAttribute(k, v)
  }
  for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return e
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}
/** A horizontal bar (SVG: its width is a geometry attribute, not a style). */
function bar(frac, cls = '') {
  const f = Math.max(0, Math.min(1, Number.isFinite(frac) ? frac : 0))
  const s = svg('svg', { class: `bar ${cls}`, viewBox: '0 0 100 10', preserveAspectRatio: 'none', 'aria-hidden': 'true' })
  s.append(svg('rect', { class: 'track', x: 0, y: 0, width: 100, height: 10, rx: 5 }))
  if (f > 0) s.append(svg('rect', { class: 'fill', x: 0, y: 0, width: Math.max(2, f * 100).toFixed(2), height: 10, rx: 5 }))
  return s
}
function fillTable(id, rows, empty) {
  const table = $(`#${id}`)
  const tbody = table.querySelector('tbody')
  if (rows.length === 0 && empty) {
    const cols = table.querySelectorAll('thead th').length
    tbody.replaceChildren(el('tr', { class: 'none' }, el('td', { colspan: String(cols) }, empty)))
    return
  }
  tbody.replaceChildren(...rows.map((cells) => {
    const tr = el('tr')
    cells.forEach((c, i) => {
      const opt = table.querySelectorAll('thead th')[i]?.classList.contains('opt')
      tr.append(el('td', { class: opt ? 'opt' : null }, c))
    })
    return tr
  }))
}

// --- scales -------------------------------------------------------------------------------------

/**
 * Ticks on 1-2-5 steps that cover [lo, hi] with about `count` intervals; the step is at least
 * `minStep` (1 for micro-favor and for counts, so labels stay whole numbers).
 */
function niceScale(lo, hi, count = 4, minStep = 0) {
  if (!(hi > lo)) {
    const pad = Math.abs(lo) * 0.1 || 1
    lo -= pad
    hi += pad
  }
  const raw = (hi - lo) / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const step = Math.max(minStep, [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw * 0.999) ?? 10 * mag)
  const min = Math.floor(lo / step + 1e-9) * step
  const max = Math.ceil(hi / step - 1e-9) * step
  const ticks = []
  for (let k = 0; min + k * step <= max + step / 2; k++) ticks.push(min + k * step)
  return { min, max, step, ticks }
}

const UNITS = [
  { name: 'ƒ', micro: 1e6, title: 'favor' },
  { name: 'mƒ', micro: 1e3, title: 'milli-favor' },
  { name: 'µƒ', micro: 1, title: 'micro-favor' }
]

/**
 * The favor unit for axis labels (values are micro-favor): the largest in which every tick is a whole
 * number of at most five digits; failing that, the one whose labels are 1 to 99,999 with decimals.
 */
function favorUnit(step, maxAbsMicro) {
  return UNITS.find((u) => step % u.micro === 0 && maxAbsMicro / u.micro < 1e5) ??
    UNITS.find((u) => maxAbsMicro / u.micro >= 1 && maxAbsMicro / u.micro < 1e5) ?? UNITS[0]
}

/** Digits after the point that show multiples of `step` exactly. */
function decimalsOf(step) {
  let d = 0
  while (d < 6 && Math.abs(Math.round(step * 10 ** d) - step * 10 ** d) > 1e-6) d++
  return d
}

function chartWidth(container) {
  return Math.max(280, Math.round(container.clientWidth || 640))
}

// --- charts -------------------------------------------------------------------------------------

/** Balances (micro-favor) per epoch: the y axis spans the data's own range, in a readable favor unit. */
function balanceChart(container, series, xs) {
  container.replaceChildren()
  const all = series.flatMap((s) => s.values.filter((v) => v !== null))
  if (xs.length === 0 || all.length === 0) {
    container.append(el('div', { class: 'empty' }, 'waiting for the first epochs…'))
    delete container.dataset.axisMin
    return
  }
  const dataMin = Math.min(...all)
  const dataMax = Math.max(...all)
  const sc = niceScale(dataMin, dataMax, 4, 1) // in micro-favor: whole ticks
  const unit = favorUnit(sc.step, Math.max(Math.abs(sc.min), Math.abs(sc.max)))
  const decimals = decimalsOf(sc.step / unit.micro)
  const W = chartWidth(container), H = 230, R = 12, T = 24, B = 30
  const labels = sc.ticks.map((v) => (v / unit.micro).toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals }).replace('-', '−'))
  const L = 16 + Math.max(...labels.map((l) => l.length)) * 6.5
  const x = (i) => L + (xs.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (xs.length - 1))
  const y = (micro) => T + (H - T - B) * (1 - (micro - sc.min) / (sc.max - sc.min))
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': `favor balances per epoch, in ${unit.title}` })
  sc.ticks.forEach((v, k) => {
    const yy = y(v)
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: yy, y2: yy }))
    root.append(svg('text', { class: 'tick-y', x: L - 6, y: yy + 3, 'text-anchor': 'end' }, labels[k]))
  })
  root.append(svg('text', { class: 'axis-title', x: 4, y: 10 }, unit.name))
  const every = Math.max(1, Math.ceil(xs.length / Math.max(2, Math.floor((W - L - R) / 44))))
  xs.forEach((label, i) => {
    if (i % every === 0 || i === xs.length - 1) root.append(svg('text', { class: 'tick-x', x: x(i), y: H - 14, 'text-anchor': 'middle' }, label))
  })
  root.append(svg('text', { class: 'axis-title', x: W - R, y: H - 2, 'text-anchor': 'end' }, 'epoch'))
  series.forEach((s) => {
    const pts = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean)
    if (pts.length === 0) return
    root.append(svg('polyline', { class: `line s${s.color}${s.me ? ' me' : ''}`, points: pts.join(' ') }))
    const lastIdx = s.values.length - 1
    const last = s.values[lastIdx]
    if (last !== null) {
      const dot = svg('circle', { class: `dot s${s.color}`, cx: x(lastIdx), cy: y(last), r: s.me ? 4 : 3 })
      dot.append(svg('title', {}, `${nameOf(s.id)}: ${favor(String(last))} ƒ at epoch ${xs[lastIdx]}`))
      root.append(dot)
    }
  })
  container.append(root)
  // What the page shows, for tests and tools: the axis and the data, in micro-favor.
  Object.assign(container.dataset, {
    axisMin: String(sc.min), axisMax: String(sc.max),
    dataMin: String(dataMin), dataMax: String(dataMax), unit: unit.name
  })
}

function outcomeChart(container, epochs) {
  container.replaceChildren()
  const list = epochs.filter((e) => e.started && e.epoch > 0).slice(0, 24).reverse()
  if (list.length === 0) {
    container.append(el('div', { class: 'empty' }, 'no epochs yet'))
    return
  }
  const totals = list.map((e) => OUTCOMES.reduce((s, k) => s + (e.reports[k] ?? 0), 0))
  const cs = niceScale(0, Math.max(4, ...totals), 4, 1)
  const lats = list.map((e) => e.latencyP50Ms)
  const known = lats.filter((v) => v !== null)
  const ls = niceScale(0, Math.max(4, ...known), cs.ticks.length - 1, 1)
  const W = chartWidth(container), H = 230, T = 24, B = 30
  const L = 14 + String(cs.max).length * 7, R = 18 + String(ls.max).length * 7
  const bw = (W - L - R) / list.length
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img', 'aria-label': 'challenge outcomes and latency per epoch' })
  const y = (n) => T + (H - T - B) * (1 - n / cs.max)
  const yl = (v) => T + (H - T - B) * (1 - v / ls.max)
  cs.ticks.forEach((n) => {
    root.append(svg('line', { class: 'grid', x1: L, x2: W - R, y1: y(n), y2: y(n) }))
    root.append(svg('text', { class: 'tick-y', x: L - 6, y: y(n) + 3, 'text-anchor': 'end' }, String(n)))
  })
  ls.ticks.forEach((v) => root.append(svg('text', { class: 'tick-y lat', x: W - R + 6, y: yl(v) + 3 }, String(v))))
  root.append(svg('text', { class: 'axis-title', x: 2, y: 10 }, 'challenges'))
  root.append(svg('text', { class: 'axis-title', x: W - 2, y: 10, 'text-anchor': 'end' }, 'ms'))
  const every = Math.max(1, Math.ceil(list.length / Math.max(2, Math.floor((W - L - R) / 34))))
  list.forEach((e, i) => {
    let acc = 0
    for (const k of OUTCOMES) {
      const n = e.reports[k] ?? 0
      if (n === 0) continue
      const r = svg('rect', { class: `o-${k}`, x: L + i * bw + bw * 0.15, width: Math.max(1, bw * 0.7), y: y(acc + n), height: y(acc) - y(acc + n), rx: 2 })
      r.append(svg('title', {}, `epoch ${e.epoch}: ${n} ${k}`))
      root.append(r)
      acc += n
    }
    if (i % every === 0 || i === list.length - 1) root.append(svg('text', { class: 'tick-x', x: L + i * bw + bw / 2, y: H - 14, 'text-anchor': 'middle' }, e.epoch))
  })
  root.append(svg('text', { class: 'axis-title', x: W - R, y: H - 2, 'text-anchor': 'end' }, 'epoch'))
  const pts = lats.map((v, i) => (v === null ? null : `${(L + i * bw + bw / 2).toFixed(1)},${yl(v).toFixed(1)}`)).filter(Boolean)
  if (pts.length > 0) root.append(svg('polyline', { class: 'latency', points: pts.join(' ') }))
  container.append(root)
}

/** Agreements by state as one stacked bar. */
function stateBar(container, counts) {
  const order = ['active', 'pinning', 'paused', 'ended']
  const total = order.reduce((s, k) => s + (counts[k] ?? 0), 0)
  container.replaceChildren()
  if (total === 0) return
  const s = svg('svg', { class: 'stack', viewBox: '0 0 100 8', preserveAspectRatio: 'none', 'aria-hidden': 'true' })
  let acc = 0
  for (const k of order) {
    const n = counts[k] ?? 0
    if (n === 0) continue
    s.append(svg('rect', { class: `st-${k}`, x: (acc / total) * 100, y: 0, width: (n / total) * 100, height: 8 }))
    acc += n
  }
  container.append(s)
}

// --- next epoch ---------------------------------------------------------------------------------

/**
 * When the next epoch should start: the current epoch's start plus the usual gap between recent epoch
 * starts (indexers tick on their own timer, which may differ from the billed `epochSeconds`), or
 * `epochSeconds` before two epochs have started.
 */
function nextEpochEstimate(epochs) {
  const started = epochs.results.filter((e) => e.started && e.time > 0).sort((a, b) => b.epoch - a.epoch)
  const cur = started.find((e) => e.epoch === epochs.current) ?? started[0]
  if (cur === undefined) return null
  const gaps = []
  for (let i = 0; i + 1 < started.length && gaps.length < 8; i++) {
    const a = started[i], b = started[i + 1]
    if (a.epoch === b.epoch + 1 && a.time > b.time) gaps.push(a.time - b.time)
  }
  gaps.sort((p, q) => p - q)
  const gap = gaps.length > 0 ? gaps[Math.floor((gaps.length - 1) / 2)] : epochs.epochSeconds !== null ? epochs.epochSeconds * 1000 : null
  if (gap === null) return null
  return { epoch: cur.epoch + 1, at: cur.time + gap, every: gap }
}

function showNextEpoch() {
  const pill = $('#next-epoch')
  const n = state.nextEpoch
  if (n === null) {
    pill.textContent = 'next epoch: unknown'
    return
  }
  const wait = n.at - Date.now()
  pill.textContent = wait > 0 ? `next epoch in ${duration(wait)}` : 'next epoch due now'
  pill.title = `epoch ${n.epoch} expected at ${new Date(n.at).toLocaleTimeString()} (epochs start every ~${duration(n.every)})`
  pill.dataset.nextAt = String(n.at)
}

// --- refresh ------------------------------------------------------------------------------------

async function refresh() {
  if (state.refreshing) { state.again = true; return }
  state.refreshing = true
  try {
    do {
      state.again = false
      await draw()
      setLoggedIn(true)
    } while (state.again)
  } catch (err) {
    if (err instanceof LoggedOut) setLoggedIn(false)
    else logEvent('error', String(err.message ?? err))
  } finally {
    state.refreshing = false
  }
}

async function draw() {
  // One call first: without a session it is the only one refused.
  const status = await get('/status')
  const [accounts, agreements, epochs, history, pins, myAgreements, credit] = await Promise.all([
    get('/accounts'), get('/agreements?limit=200'), get('/epochs?limit=30'), get('/history'),
    get('/pins?status=queued,pinning,pinned,failed&limit=50'), get('/agreements?publisher=me&limit=500'),
    get('/sponsor/statements')
  ])
  state.me = status.account
  state.names = new Map(accounts.results.filter((a) => a.name).map((a) => [a.id, a.name]))
  state.lastData = { status, accounts, agreements, epochs, history, pins, myAgreements, credit }
  render()
  document.body.dataset.ready = 'true'
}

/** The task queue (running and queued per kind; the ever-present reconcile left out) and the open resources. */
function renderRuntime(rt) {
  if (!rt) return
  const kinds = Object.entries(rt.tasks.kinds).filter(([k]) => k !== 'reconcile')
  const running = kinds.reduce((n, [, d]) => n + d.running, 0)
  const queued = kinds.reduce((n, [, d]) => n + d.queued, 0)
  $('#tasks').textContent = `${running} running · ${queued} queued`
  $('#tasks').dataset.running = String(running)
  $('#tasks').dataset.queued = String(queued)
  const busy = kinds.filter(([, d]) => d.running + d.queued > 0).map(([k, d]) => `${k} ${d.running}/${d.queued}`)
  const r = rt.resources
  const cores = r.kinds?.core ?? { open: 0, users: 0 }
  const conns = r.kinds?.conn?.open ?? 0
  $('#tasks-text').textContent = `${busy.length > 0 ? busy.join(' · ') : 'idle'} · ${plural(cores.open, 'core')} open (${plural(cores.users, 'reference')}) · ${plural(conns, 'connection')} · ${plural(r.quota.reservations, 'reservation')}`
}

function render() {
  const d = state.lastData
  if (d === null) return
  const { status, accounts, agreements, epochs, history, pins, myAgreements, credit } = d

  // header + cards
  const myName = status.node?.name ?? state.names.get(status.account) ?? short(status.account)
  $('#node-name').textContent = myName
  $('#node-name').title = `account ${status.account}`
  $('#epoch').textContent = `epoch ${status.epoch}`
  $('#epoch').dataset.epoch = String(status.epoch)
  // the ledger view: final is what the indexers signed and this node's view matches; a view that
  // differed from it is being (or was) repaired from the signed state
  const lg = status.node?.ledger
  if (lg) $('#epoch').title = `ledger version ${lg.version}, final ${lg.finalVersion}`
  const warn = $('#ledger-warn')
  warn.classList.toggle('hidden', !lg || (!lg.diverged && lg.repairs === 0))
  if (lg) warn.textContent = lg.diverged ? 'ledger view differs from the signed one: repairing' : `ledger view repaired ${lg.repairs}×`
  state.nextEpoch = nextEpochEstimate(epochs)
  showNextEpoch()
  const bal = status.balance
  $('#my-balance').textContent = bal ? `${favor(bal.balance)} ƒ` : '–'
  $('#my-available').textContent = bal ? `available ${favor(bal.available)} · held back ${favor(bal.heldBack)} · reputation ${(bal.reputationPpm / 10000).toFixed(1)}%` : 'not on the ledger yet'
  $('#my-roles').replaceChildren(...(status.node?.roles ?? []).map((r) => el('span', { class: 'tag' }, r)))
  $('#my-account').textContent = `account ${status.account}`
  $('#my-account').title = status.account
  const st = status.node?.storage
  const cap = st?.capacityBytes ?? status.offer?.capacityBytes ?? 0
  const used = Math.max(st?.usedBytes ?? 0, st?.reservedBytes ?? 0, status.offer?.usedBytes ?? 0)
  $('#storage').replaceChildren(bar(cap > 0 ? used / cap : 0, 'big-bar'))
  $('#storage-text').textContent = cap > 0 ? `${bytes(used)} of ${bytes(cap)} (${((used / cap) * 100).toFixed(1)}%)` : 'not hosting (no offer)'
  renderRuntime(status.node?.runtime)
  const hosters = accounts.results.filter((a) => a.hoster !== null)
  $('#net-size').textContent = plural(accounts.count, 'account')
  $('#net-size').dataset.count = String(accounts.count)
  $('#net-key').textContent = `${plural(hosters.length, 'hoster')} · network ${short(status.networkKey)}`

  // hosters
  fillTable('hosters', hosters.sort((a, b) => b.reputationPpm - a.reputationPpm).map((a) => {
    const who = el('span', { class: a.me ? 'who me' : 'who', title: a.id }, nameOf(a.id), a.me ? ' (me)' : '')
    const rep = el('div', {}, bar(a.reputationPpm / 1e6, 'rep'), el('div', { class: 'sub' }, `${(a.reputationPpm / 1e4).toFixed(1)}%${a.hoster.withdrawn ? ' · withdrawn' : ''}`))
    const use = el('div', {}, bar(a.hoster.capacityBytes > 0 ? a.hoster.usedBytes / a.hoster.capacityBytes : 0), el('div', { class: 'sub' }, `${bytes(a.hoster.usedBytes)} / ${bytes(a.hoster.capacityBytes)}`))
    return [who, rep, use, String(a.hoster.agreements)]
  }), 'no node offers storage yet')

  // agreements
  const counts = {}
  for (const a of agreements.results) counts[a.state] = (counts[a.state] ?? 0) + 1
  stateBar($('#agreement-bar'), counts)
  $('#agreement-states').replaceChildren(...['active', 'pinning', 'paused', 'ended'].filter((s) => counts[s]).map((s) => el('span', { class: `tag tag-${s}` }, `${counts[s]} ${s}`)))
  fillTable('agreements', agreements.results.slice(0, 25).map((a) => [
    String(a.id), el('code', { title: a.coreKey }, short(a.coreKey)),
    el('span', { class: a.hoster === state.me ? 'who me' : 'who', title: a.hoster }, nameOf(a.hoster)),
    el('span', { class: `state-${a.state}` }, a.state + (a.endReason ? ` (${a.endReason})` : '') + (a.warning ? ` ⚠ ${a.warning}` : '')),
    `${a.passes}/${a.fails}`
  ]), 'no agreements yet')

  // epochs table + outcome chart
  fillTable('epochs', epochs.results.filter((e) => e.started).slice(0, 12).map((e) => [
    String(e.epoch), e.startedAt ? new Date(e.startedAt).toLocaleTimeString() : '–', String(e.attested),
    String(e.reports.pass ?? 0), String((e.reports.missing ?? 0) + (e.reports.slow ?? 0) + (e.reports.unreachable ?? 0)),
    e.latencyP50Ms === null ? '–' : `${e.latencyP50Ms} ms`, e.summary ? favor(e.summary.paidMicro) : '…'
  ]), 'no epochs yet')
  outcomeChart($('#outcome-chart'), epochs.results)

  // my pins
  renderPins($('#pins'), pins.results, myAgreements.results)

  // credit lines opened on the strength of other networks' statements
  fillTable('credit-lines', (credit?.lines ?? []).map((l) => [
    el('span', { class: 'who', title: l.to }, nameOf(l.to)),
    `${favor(l.amount)} / ${favor(l.lineNow)} ƒ`,
    `rate ${l.rate} × balance, limit ${favor(l.limit)} ƒ`,
    el('span', { title: `network ${l.statement.network}, account ${l.statement.account}, statement sha256 ${l.statement.sha256}` },
      `${short(l.statement.network)} · epoch ${l.statement.epoch} · proven ${favor(l.statement.balance)} ƒ`)
  ]), 'no credit lines from statements')

  // balances over time
  const points = history.results
  const ids = [...new Set(points.flatMap((p) => Object.keys(p.balances)))]
  ids.sort((a, b) => (a === state.me ? -1 : b === state.me ? 1 : nameOf(a).localeCompare(nameOf(b), undefined, { numeric: true })))
  const series = ids.slice(0, SERIES).map((id, i) => ({
    id, color: i, me: id === state.me,
    values: points.map((p) => (p.balances[id] === undefined ? null : Number(p.balances[id])))
  }))
  balanceChart($('#balance-chart'), series, points.map((p) => String(p.epoch)))
  $('#balance-chart').dataset.points = String(points.length)
  $('#balance-legend').replaceChildren(...series.map((s) => {
    const last = s.values.at(-1)
    return el('span', { title: s.id }, el('i', { class: `sw c${s.color}` }), nameOf(s.id), s.me ? ' (me)' : '',
      last === null || last === undefined ? null : el('b', {}, ` ${favor(String(last))} ƒ`))
  }))
}

/** Each of this node's pins with one line per replica: who holds it and in what state, or why it is open. */
function renderPins(container, pins, agreements) {
  if (pins.length === 0) {
    container.replaceChildren(el('div', { class: 'empty' }, 'This node has published nothing. ', el('code', {}, 'favor publish <core key>'), ' adds a pin.'))
    return
  }
  const byRequest = new Map()
  for (const a of agreements) {
    const list = byRequest.get(a.requestId) ?? []
    list.push(a)
    byRequest.set(a.requestId, list)
  }
  container.replaceChildren(...pins.map((p) => {
    const id = Number(p.requestid)
    const list = (byRequest.get(id) ?? []).sort((a, b) => a.id - b.id)
    const replicas = Number(p.info.slots ?? p.info.replicas ?? 0)
    const active = Number(p.info.activeReplicas ?? 0)
    const rows = []
    for (let r = 0; r < replicas; r++) {
      const history = list.filter((a) => a.coreIndex === 0 && a.replica === r)
      const current = [...history].reverse().find((a) => a.state !== 'ended') ?? null
      const before = history.filter((a) => a !== current)
      const past = before.length > 0 ? el('span', { class: 'sub-inline' }, ` · before: ${before.map((a) => `#${a.id} ${nameOf(a.hoster)} ended${a.endReason ? ` (${a.endReason})` : ''}`).join(', ')}`) : null
      if (current !== null) {
        const detail = current.state === 'active' ? `${plural(current.passes, 'epoch')} passed${current.fails ? `, ${current.fails} failed` : ''}`
          : current.state === 'pinning' ? 'mirroring the core, not ready yet'
            : current.state === 'paused' ? 'paused: not paid this epoch' : ''
        rows.push(el('li', { 'data-state': current.state },
          el('i', { class: `dot st-${current.state}` }),
          el('span', { class: 'rep-n' }, `replica ${r + 1}`),
          el('span', { class: 'who', title: current.hoster }, nameOf(current.hoster)),
          el('span', { class: `state-${current.state}` }, current.state),
          el('span', { class: 'sub-inline' }, `agreement #${current.id}${detail ? ` · ${detail}` : ''}${current.warning ? ` · ⚠ ${current.warning}` : ''}`), past))
      } else {
        rows.push(el('li', { 'data-state': 'open' },
          el('i', { class: 'dot st-open' }),
          el('span', { class: 'rep-n' }, `replica ${r + 1}`),
          el('span', { class: 'state-open' }, p.status === 'failed' ? 'closed' : 'open: no hoster yet'), past))
      }
    }
    const title = p.pin.name ? p.pin.name : short(p.pin.cid)
    return el('article', { class: 'pin', 'data-requestid': p.requestid, 'data-status': p.status },
      el('div', { class: 'pin-head' },
        el('span', { class: `badge badge-${p.status}` }, p.status),
        el('b', { class: 'pin-name' }, title),
        el('span', { class: 'sub-inline' }, `request #${p.requestid} · ${active} of ${replicas} replicas active`)),
      el('div', { class: 'pin-cid' }, el('code', { title: p.pin.cid }, p.pin.cid)),
      el('ul', { class: 'replicas' }, ...rows),
      p.info.status_details ? el('div', { class: 'why', 'data-testid': 'pin-details' }, p.info.status_details) : null)
  }))
}

// --- live events --------------------------------------------------------------------------------

function logEvent(kind, text) {
  const ul = $('#events')
  ul.prepend(el('li', {}, el('b', {}, kind), el('span', { class: 'time' }, new Date().toLocaleTimeString()), ' ', text))
  while (ul.children.length > 60) ul.lastChild.remove()
}

function describe(name, d) {
  if (name === 'ledger') {
    switch (d.type) {
      case 'agreement-created': return `agreement #${d.agreementId} created for request ${d.requestId}, hoster ${nameOf(d.hoster)}`
      case 'agreement-active': return `agreement #${d.agreementId} active (${nameOf(d.hoster)})`
      case 'agreement-ended': return `agreement #${d.agreementId} ended: ${d.reason}`
      case 'agreement-warning': return `agreement #${d.agreementId}: ${d.outcome} (streak ${d.failStreak})`
      case 'epoch-settled': return `epoch ${d.epoch} settled: ${d.summary.passed} agreements passed, ${d.summary.failed} failed`
      case 'transfer': return `transfer ${favor(d.amount)} ƒ ${nameOf(d.from)} → ${nameOf(d.to)}`
      case 'report-accepted': return `${nameOf(d.attestor)} reported ${plural(d.results, 'challenge')} of epoch ${d.epoch}`
      case 'epoch-started': return `epoch ${d.epoch} started: ${plural(d.attested, 'agreement')} to challenge`
      case 'writer-added': return `${nameOf(d.writer)} admitted${d.indexer ? ' as an indexer' : ''}`
      case 'offer-updated': return `${nameOf(d.hoster)} offers ${bytes(d.capacityBytes)}`
      case 'offer-withdrawn': return `${nameOf(d.hoster)} withdrew its offer`
      case 'request-created': return `request #${d.requestId} published by ${nameOf(d.publisher)}`
      case 'request-ended': return `request #${d.requestId} ${d.state}`
      case 'agreement-paused': return `agreement #${d.agreementId} paused (the publisher ran out of favor)`
      case 'agreement-resumed': return `agreement #${d.agreementId} resumed`
      case 'agreement-exiting': return `agreement #${d.agreementId}: ${nameOf(d.hoster)} is leaving`
      case 'sponsor-line': return `${nameOf(d.sponsor)} sponsors ${nameOf(d.to)} up to ${favor(d.line)} ƒ`
      default: return d.type
    }
  }
  if (name === 'challenge') return `challenged #${d.agreementId} (${nameOf(d.hoster)}): ${d.outcome} in ${d.latencyMs} ms`
  if (name === 'epoch') return `epoch ${d.epoch} began`
  if (name === 'mirror') return `mirroring #${d.agreementId}: ${d.have}/${d.length} blocks (${d.state})`
  return name
}

let timer = null
function soon() {
  if (timer !== null) return
  timer = setTimeout(() => { timer = null; void refresh() }, 250)
}

function connect() {
  const es = new EventSource('/events')
  state.events = es
  es.addEventListener('open', () => { $('#live').textContent = 'live'; $('#live').className = 'pill on' })
  es.addEventListener('error', () => {
    $('#live').textContent = 'reconnecting…'
    $('#live').className = 'pill off'
    // A refused stream (401, 429) is not retried by the browser: check the session, reconnect later.
    if (es.readyState === EventSource.CLOSED) {
      state.events = null
      setTimeout(() => { void refresh() }, 5000)
    }
  })
  for (const name of ['ledger', 'epoch', 'challenge', 'mirror']) {
    es.addEventListener(name, (ev) => {
      let d = null
      try { d = JSON.parse(ev.data) } catch { return }
      if (name === 'ledger' && d.type === 'tick') return
      if (name !== 'mirror' || d.have === d.length) logEvent(name, describe(name, d))
      soon()
    })
  }
}

// Charts are drawn at the container's pixel width (text keeps its size): redraw when it changes.
let resizeTimer = null
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer)
  resizeTimer = setTimeout(render, 150)
})

void refresh() // connects the event stream once the first read shows a session
// Logged out there is nothing to poll: the login link loads the page afresh.
setInterval(() => { if (state.loggedIn !== false) void refresh() }, 10000)
setInterval(() => { if (state.nextEpoch !== null) showNextEpoch() }, 1000)
