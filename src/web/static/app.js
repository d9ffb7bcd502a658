// Favor dashboard: plain JS, no build step, no external fetches. Reads the daemon's API with the session
// cookie set by the one-time login link (`favor start` prints it), redraws on server-sent events and
// every 10 s. Without a session every call answers 401: the page says how to log in. Charts are inline SVG.
const $ = (sel) => document.querySelector(sel)
const SVGNS = 'http://www.w3.org/2000/svg'
const COLORS = ['#5b8def', '#3fbf7f', '#e6a23c', '#e5534b', '#a371f7', '#2ec4d6', '#f778ba', '#c9d1d9', '#8ddb8c', '#ffb86c']
const OUTCOME_COLORS = { pass: '#3fbf7f', missing: '#e5534b', slow: '#e6a23c', unreachable: '#a371f7' }

const state = { me: null, names: new Map(), refreshing: false, again: false, lastEpoch: null, loggedIn: null, events: null }

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
const short = (hex) => (hex ? `${hex.slice(0, 8)}…` : '–')
const nameOf = (id) => state.names.get(id) ?? short(id)

function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag)
  for (const [k, v] of Object.entries(attrs)) {
    if (k === 'class') e.className = v
    else if (k === 'style') e.style.cssText = v // CSSOM: a style attribute would break the CSP (no inline styles)
    else e.setAttribute(k, v)
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)))
  return e
}
function svg(tag, attrs = {}, text) {
  const e = document.createElementNS(SVGNS, tag)
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v))
  if (text !== undefined) e.textContent = text
  return e
}
function bar(frac, cls = '') {
  const b = el('div', { class: `bar ${cls}` })
  const f = el('span')
  f.style.width = `${Math.max(0, Math.min(100, frac * 100)).toFixed(1)}%`
  b.append(f)
  return b
}
function fillTable(id, rows) {
  const tbody = $(`#${id} tbody`)
  tbody.replaceChildren(...rows.map((cells) => {
    const tr = el('tr')
    for (const c of cells) tr.append(c instanceof Node ? el('td', {}, c) : el('td', {}, c))
    return tr
  }))
}

// --- charts -------------------------------------------------------------------------------------

function lineChart(container, series, xs) {
  container.replaceChildren()
  if (xs.length === 0 || series.length === 0) {
    container.append(el('div', { class: 'empty' }, 'waiting for the first epochs…'))
    return
  }
  const W = 640, H = 220, L = 56, R = 10, T = 10, B = 24
  const all = series.flatMap((s) => s.values.filter((v) => v !== null))
  let lo = Math.min(0, ...all), hi = Math.max(1, ...all)
  if (hi === lo) hi = lo + 1
  const x = (i) => L + (xs.length === 1 ? (W - L - R) / 2 : (i * (W - L - R)) / (xs.length - 1))
  const y = (v) => T + (H - T - B) * (1 - (v - lo) / (hi - lo))
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' })
  for (let k = 0; k <= 4; k++) {
    const v = lo + ((hi - lo) * k) / 4
    root.append(svg('line', { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: '#263049' }))
    root.append(svg('text', { x: L - 6, y: y(v) + 3, 'text-anchor': 'end' }, v.toFixed(v >= 100 ? 0 : 2)))
  }
  const step = Math.max(1, Math.ceil(xs.length / 10))
  xs.forEach((label, i) => { if (i % step === 0 || i === xs.length - 1) root.append(svg('text', { x: x(i), y: H - 6, 'text-anchor': 'middle' }, label)) })
  series.forEach((s) => {
    const pts = s.values.map((v, i) => (v === null ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter(Boolean)
    if (pts.length === 0) return
    root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: s.color, 'stroke-width': s.me ? 3 : 1.8, 'stroke-linejoin': 'round' }))
    const lastIdx = s.values.length - 1
    if (s.values[lastIdx] !== null) root.append(svg('circle', { cx: x(lastIdx), cy: y(s.values[lastIdx]), r: 3, fill: s.color }))
  })
  container.append(root)
}

function outcomeChart(container, epochs) {
  container.replaceChildren()
  const list = epochs.filter((e) => e.started).slice().reverse()
  if (list.length === 0) {
    container.append(el('div', { class: 'empty' }, 'no epochs yet'))
    return
  }
  const W = 640, H = 220, L = 36, R = 40, T = 10, B = 24
  const totals = list.map((e) => ['pass', 'missing', 'slow', 'unreachable'].reduce((s, k) => s + (e.reports[k] ?? 0), 0))
  // axis tops rounded up to multiples of 4 so the 4 grid steps are whole numbers
  const maxN = Math.max(4, Math.ceil(Math.max(...totals) / 4) * 4)
  const lats = list.map((e) => e.latencyP50Ms)
  const maxLat = Math.max(4, Math.ceil(Math.max(...lats.filter((v) => v !== null)) / 4) * 4)
  const bw = (W - L - R) / list.length
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, preserveAspectRatio: 'none', role: 'img' })
  const y = (n) => T + (H - T - B) * (1 - n / maxN)
  for (let k = 0; k <= 4; k++) {
    const n = (maxN * k) / 4
    root.append(svg('line', { x1: L, x2: W - R, y1: y(n), y2: y(n), stroke: '#263049' }))
    root.append(svg('text', { x: L - 6, y: y(n) + 3, 'text-anchor': 'end' }, Math.round(n)))
    root.append(svg('text', { x: W - R + 6, y: y(n) + 3 }, Math.round((maxLat * k) / 4)))
  }
  const step = Math.max(1, Math.ceil(list.length / 12))
  list.forEach((e, i) => {
    let acc = 0
    for (const k of ['pass', 'missing', 'slow', 'unreachable']) {
      const n = e.reports[k] ?? 0
      if (n === 0) continue
      const r = svg('rect', { x: L + i * bw + bw * 0.15, width: Math.max(1, bw * 0.7), y: y(acc + n), height: y(acc) - y(acc + n), fill: OUTCOME_COLORS[k], rx: 2 })
      r.append(svg('title', {}, `epoch ${e.epoch}: ${n} ${k}`))
      root.append(r)
      acc += n
    }
    if (i % step === 0 || i === list.length - 1) root.append(svg('text', { x: L + i * bw + bw / 2, y: H - 6, 'text-anchor': 'middle' }, e.epoch))
  })
  const yl = (v) => T + (H - T - B) * (1 - v / maxLat)
  const pts = lats.map((v, i) => (v === null ? null : `${(L + i * bw + bw / 2).toFixed(1)},${yl(v).toFixed(1)}`)).filter(Boolean)
  if (pts.length > 0) root.append(svg('polyline', { points: pts.join(' '), fill: 'none', stroke: '#fff', 'stroke-width': 1.6, 'stroke-dasharray': '4 3' }))
  container.append(root)
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
  const [status, accounts, agreements, epochs, history] = await Promise.all([
    get('/status'), get('/accounts'), get('/agreements?limit=200'), get('/epochs?limit=30'), get('/history')
  ])
  state.me = status.account
  accounts.results.forEach((a, i) => {
    if (!state.names.has(a.id)) state.names.set(a.id, a.id === status.account ? `${status.node?.name ?? 'me'} (me)` : `node ${short(a.id)}`)
    void i
  })
  // header + cards
  $('#node-name').textContent = status.node?.name ?? short(status.account)
  $('#epoch').textContent = `epoch ${status.epoch}`
  $('#epoch').dataset.epoch = String(status.epoch)
  const bal = status.balance
  $('#my-balance').textContent = bal ? `${favor(bal.balance)} ƒ` : '–'
  $('#my-available').textContent = bal ? `available ${favor(bal.available)} · held back ${favor(bal.heldBack)} · reputation ${(bal.reputationPpm / 10000).toFixed(1)}%` : 'not on the ledger yet'
  $('#my-roles').replaceChildren(...(status.node?.roles ?? []).map((r) => el('span', { class: 'tag' }, r)))
  $('#my-account').textContent = `account ${status.account}`
  const st = status.node?.storage
  const cap = st?.capacityBytes ?? status.offer?.capacityBytes ?? 0
  const used = Math.max(st?.usedBytes ?? 0, st?.reservedBytes ?? 0, status.offer?.usedBytes ?? 0)
  $('#storage').replaceChildren(bar(cap > 0 ? used / cap : 0))
  $('#storage-text').textContent = cap > 0 ? `${bytes(used)} of ${bytes(cap)} (${((used / cap) * 100).toFixed(1)}%)` : 'not hosting (no offer)'
  const hosters = accounts.results.filter((a) => a.hoster !== null)
  $('#net-size').textContent = `${accounts.count} accounts`
  $('#net-size').dataset.count = String(accounts.count)
  $('#net-key').textContent = `${hosters.length} hosters · network ${short(status.networkKey)}`

  // hosters
  fillTable('hosters', hosters.sort((a, b) => b.reputationPpm - a.reputationPpm).map((a) => {
    const who = el('span', { class: a.me ? 'me mono' : 'mono' }, nameOf(a.id))
    const rep = el('div', {}, bar(a.reputationPpm / 1e6, 'rep'), el('div', { class: 'sub' }, `${(a.reputationPpm / 1e4).toFixed(1)}%${a.hoster.withdrawn ? ' · withdrawn' : ''}`))
    const use = el('div', {}, bar(a.hoster.capacityBytes > 0 ? a.hoster.usedBytes / a.hoster.capacityBytes : 0), el('div', { class: 'sub' }, `${bytes(a.hoster.usedBytes)} / ${bytes(a.hoster.capacityBytes)}`))
    return [who, rep, use, String(a.hoster.agreements)]
  }))

  // agreements
  const counts = {}
  for (const a of agreements.results) counts[a.state] = (counts[a.state] ?? 0) + 1
  $('#agreement-states').replaceChildren(...Object.entries(counts).map(([s, n]) => el('span', { class: `tag state-${s}` }, `${n} ${s}`)))
  fillTable('agreements', agreements.results.slice(0, 25).map((a) => [
    String(a.id), el('code', {}, short(a.coreKey)), el('span', { class: a.hoster === state.me ? 'me' : '' }, nameOf(a.hoster)),
    el('span', { class: `state-${a.state}` }, a.state + (a.endReason ? ` (${a.endReason})` : '') + (a.warning ? ` ⚠ ${a.warning}` : '')),
    `${a.passes}/${a.fails}`
  ]))

  // epochs table + outcome chart
  fillTable('epochs', epochs.results.filter((e) => e.started).slice(0, 12).map((e) => [
    String(e.epoch), e.startedAt ? new Date(e.startedAt).toLocaleTimeString() : '–', String(e.attested),
    String(e.reports.pass ?? 0), String((e.reports.missing ?? 0) + (e.reports.slow ?? 0) + (e.reports.unreachable ?? 0)),
    e.latencyP50Ms === null ? '–' : `${e.latencyP50Ms} ms`, e.summary ? favor(e.summary.paidMicro) : '…'
  ]))
  outcomeChart($('#outcome-chart'), epochs.results)

  // balances over time
  const points = history.results
  const ids = [...new Set(points.flatMap((p) => Object.keys(p.balances)))]
  ids.sort((a, b) => (a === state.me ? -1 : b === state.me ? 1 : a.localeCompare(b)))
  const series = ids.slice(0, COLORS.length).map((id, i) => ({
    id, color: COLORS[i], me: id === state.me,
    values: points.map((p) => (p.balances[id] === undefined ? null : Number(BigInt(p.balances[id])) / 1e6))
  }))
  lineChart($('#balance-chart'), series, points.map((p) => String(p.epoch)))
  $('#balance-chart').dataset.points = String(points.length)
  $('#balance-legend').replaceChildren(...series.map((s) => el('span', {}, el('i', { class: 'sw', style: `background:${s.color}` }), nameOf(s.id))))
  document.body.dataset.ready = 'true'
}

// --- live events --------------------------------------------------------------------------------

function logEvent(kind, text) {
  const ul = $('#events')
  ul.prepend(el('li', {}, el('b', {}, kind), `${new Date().toLocaleTimeString()} · ${text}`))
  while (ul.children.length > 60) ul.lastChild.remove()
}

function describe(name, d) {
  if (name === 'ledger') {
    switch (d.type) {
      case 'agreement-created': return `agreement #${d.agreementId} created for request ${d.requestId}, hoster ${nameOf(d.hoster)}`
      case 'agreement-active': return `agreement #${d.agreementId} active (${nameOf(d.hoster)})`
      case 'agreement-ended': return `agreement #${d.agreementId} ended: ${d.reason}`
      case 'agreement-warning': return `agreement #${d.agreementId}: ${d.outcome} (streak ${d.failStreak})`
      case 'epoch-settled': return `epoch ${d.epoch} settled: ${d.summary.passed} passed, ${d.summary.failed} failed`
      case 'transfer': return `transfer ${favor(d.amount)} ƒ ${nameOf(d.from)} → ${nameOf(d.to)}`
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

void refresh() // connects the event stream once the first read shows a session
setInterval(() => { void refresh() }, 10000)
