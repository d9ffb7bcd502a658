// Drives the dashboard in headless Debian chromium with playwright-core over a real, small Favor
// network (in-process FavorNodes on a loopback testnet): without a session the page asks to log in with
// the printed link; after the one-time login link (the daemon's `loginUrl()`, what `favor start` prints)
// the network's data appears and the page updates after an epoch without a reload. It checks what a
// person sees: no console errors once logged in, the balance chart's axis spans its data (not 0–1),
// other nodes by the names in the node's address book, the publisher's pins with one line per replica
// (and why an open slot is open), the next epoch's time, and no sideways scroll at 360 px. Saves
// screenshots (desktop and 360 px) under test-results/.
// Skips with a message when /usr/bin/chromium is absent (CI installs it: scripts/install-chromium.sh).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
import { NAMES_FILE_NAME } from '../../src/api/index.js'
import { call, makeCore, startFixture } from '../api/helpers.js'

const CHROMIUM = '/usr/bin/chromium'
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url))

test('dashboard shows a real network and updates after an epoch', { timeout: 180_000 }, async (t) => {
  if (!existsSync(CHROMIUM)) {
    t.skip(`${CHROMIUM} is missing: run scripts/install-chromium.sh (as root) to enable the browser test`)
    return
  }
  const { chromium } = await import('playwright-core')
  const f = await startFixture({ hosters: 2, epochMs: 1500 })
  let browser: Awaited<ReturnType<typeof chromium.launch>> | null = null
  try {
    // launch() runs chromium with a fresh temporary user-data dir of its own, removed on close.
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic']
    })
    // The node's address book names the hosters (as a person, or the demo, writes it).
    const hosters = f.nodes.slice(1)
    await writeFile(join(f.dir, NAMES_FILE_NAME), JSON.stringify(Object.fromEntries(hosters.map((n) => [n.account, n.name]))))
    const key = await makeCore(f.node, 'web-core', 16)
    const pin = await call<{ requestid: string }>(f.url, 'POST', '/pins', { token: f.token, body: { cid: key, name: 'web', replicas: 2 } })
    assert.equal(pin.status, 202)
    // Three replicas with two hosters: one slot stays open, and the page says why.
    const key3 = await makeCore(f.node, 'web-core-3', 4)
    const pin3 = await call<{ requestid: string }>(f.url, 'POST', '/pins', { token: f.token, body: { cid: key3, name: 'three', replicas: 3 } })
    assert.equal(pin3.status, 202)

    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, bypassCSP: true }) // string predicates need eval; the page's own CSP forbids it
    const external: string[] = []
    page.on('request', (req) => { if (!req.url().startsWith(f.url)) external.push(req.url()) })
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
    // Console errors once logged in (logged out, the one refused /status is a console error by design).
    let loggedIn = false
    const loggedOutErrors: string[] = []
    page.on('console', (m) => {
      if (m.type() !== 'error') return
      if (loggedIn) errors.push(`console: ${m.text()}`)
      else loggedOutErrors.push(m.text())
    })
    // Page-side conditions as strings: the test's TypeScript has no DOM types.
    const until = async (expr: string, timeout: number): Promise<void> => { await page.waitForFunction(expr, undefined, { timeout }) }
    // Not logged in: the page loads, its API calls get 401, and it says how to log in.
    await page.goto(`${f.url}/`)
    await page.waitForSelector('body[data-auth="out"]', { timeout: 20_000 })
    assert.ok(await page.locator('[data-testid="login"]').isVisible())
    assert.match(await page.locator('[data-testid="login"]').innerText(), /link printed by favor start/)
    assert.equal(await page.locator('body[data-ready="true"]').count(), 0)
    await mkdir(RESULTS, { recursive: true })
    await page.screenshot({ path: join(RESULTS, 'dashboard-logged-out.png') })

    // The printed link logs in once: it lands on / without the code, with an HttpOnly cookie.
    // Logged out, the page makes one call: its 401 is the only console message of type error.
    assert.ok(loggedOutErrors.length <= 1 && loggedOutErrors.every((e) => /status of 401/.test(e)), JSON.stringify(loggedOutErrors))
    const link = f.api.loginUrl()
    loggedIn = true
    await page.goto(link)
    assert.equal(page.url(), `${f.url}/`)
    await page.waitForSelector('body[data-ready="true"]', { timeout: 20_000 })
    assert.equal(await page.locator('body[data-auth="in"]').count(), 1)
    assert.ok(!(await page.locator('[data-testid="login"]').isVisible()))
    assert.equal(await page.evaluate('document.cookie'), '', 'the session cookie is HttpOnly')
    const cookies = await page.context().cookies()
    assert.equal(cookies.length, 1)
    assert.equal(cookies[0]?.httpOnly, true)
    assert.equal(cookies[0]?.sameSite, 'Strict')
    // The same link a second time is refused (a second page, same browser).
    const again = await page.context().request.get(link, { maxRedirects: 0 })
    assert.equal(again.status(), 401)

    // The network's data appears: accounts, hosters with reputation, my node, agreements.
    assert.equal(await page.locator('[data-testid="net-size"]').getAttribute('data-count'), String(f.nodes.length))
    await until("document.querySelectorAll('[data-testid=hosters] tbody tr').length >= 2", 20_000)
    assert.match(await page.locator('[data-testid="my-roles"]').innerText(), /publisher/)
    assert.match(await page.locator('[data-testid="my-balance"]').innerText(), /ƒ/)
    await until("document.querySelectorAll('[data-testid=agreements] tbody tr').length >= 1", 60_000)
    await page.waitForSelector('[data-testid="live"].on', { timeout: 10_000 })
    // the node's task queue and resources (from /status)
    assert.match(await page.locator('[data-testid="tasks"]').innerText(), /^\d+ running · \d+ queued$/)
    assert.match(await page.locator('[data-testid="tasks-text"]').innerText(), /\d+ cores? open \(\d+ references?\)/)

    // Names, not keys: this node's own name and the address book's names for the hosters.
    assert.equal(await page.locator('[data-testid="node-name"]').innerText(), 'main')
    await until(`(() => { const t = document.querySelector('[data-testid=hosters] tbody').innerText; return ${JSON.stringify(hosters.map((n) => n.name))}.every((n) => t.includes(n)) })()`, 20_000)
    const hosterCells = await page.locator('[data-testid="hosters"] tbody tr td:first-child').allInnerTexts()
    for (const n of hosters) assert.ok(hosterCells.some((c) => c.startsWith(n.name)), `${n.name} in ${JSON.stringify(hosterCells)}`)
    assert.ok(!hosterCells.some((c) => /^[0-9a-f]{8}…/.test(c)), `no hex for named hosters: ${JSON.stringify(hosterCells)}`)

    // My pins: the publisher's requests, one line per replica with its hoster and state.
    const pinSel = (id: string): string => `[data-testid=pins] article[data-requestid="${id}"]`
    await until(`document.querySelectorAll('${pinSel(pin.body.requestid)} .replicas li').length === 2`, 60_000)
    assert.match(await page.locator(pinSel(pin.body.requestid)).innerText(), /web/)
    await until(`[...document.querySelectorAll('${pinSel(pin.body.requestid)} .replicas li')].every((li) => ${JSON.stringify(hosters.map((n) => n.name))}.some((n) => li.innerText.includes(n)))`, 60_000)
    // The 3-replica pin: two hosters take a slot each, the third slot is open and the page says why.
    await until(`document.querySelectorAll('${pinSel(pin3.body.requestid)} .replicas li[data-state]:not([data-state=open])').length === 2`, 60_000)
    assert.equal(await page.locator(`${pinSel(pin3.body.requestid)} .replicas li[data-state="open"]`).count(), 1)
    assert.match(await page.locator(`${pinSel(pin3.body.requestid)} [data-testid="pin-details"]`).innerText(), /open slot\(s\) cannot be filled now: no eligible hoster/)

    // The next epoch's time, from the epochs' start times.
    await until("/next epoch (in \\d|due now)/.test(document.querySelector('[data-testid=next-epoch]').textContent)", 20_000)

    // Updates after an epoch, live (no reload): the epoch pill and the balance chart move on.
    const epochBefore = Number(await page.locator('[data-testid="epoch"]').getAttribute('data-epoch'))
    const pointsBefore = Number(await page.locator('[data-testid="balance-chart"]').getAttribute('data-points'))
    await until(`Number(document.querySelector('[data-testid=epoch]').getAttribute('data-epoch')) >= ${epochBefore + 2}`, 60_000)
    await until(`Number(document.querySelector('[data-testid=balance-chart]').getAttribute('data-points')) > ${pointsBefore}`, 60_000)
    await until("document.querySelectorAll('[data-testid=events] li').length >= 1", 20_000)
    // Challenges ran: the epochs table shows passes.
    await until("[...document.querySelectorAll('[data-testid=epochs] tbody tr')].some((tr) => Number(tr.children[3].textContent) > 0)", 45_000)
    assert.ok(await page.locator('[data-testid="balance-chart"] svg polyline').count() >= 1)
    assert.ok(await page.locator('[data-testid="outcome-chart"] svg rect').count() >= 1)

    // The balance chart's axis spans the data, in the data's own range (not 0–1 around tiny values),
    // and its tick labels say the same.
    const chart = page.locator('[data-testid="balance-chart"]')
    const num = async (attr: string): Promise<number> => Number(await chart.getAttribute(attr))
    const [axisMin, axisMax, dataMin, dataMax] = [await num('data-axis-min'), await num('data-axis-max'), await num('data-data-min'), await num('data-data-max')]
    const unit = await chart.getAttribute('data-unit')
    assert.ok(axisMin <= dataMin && dataMax <= axisMax, `axis ${axisMin}..${axisMax} holds the data ${dataMin}..${dataMax}`)
    const span = Math.max(dataMax - dataMin, Math.abs(dataMax) * 0.2, 1)
    assert.ok(axisMax - axisMin <= 4 * span, `axis ${axisMin}..${axisMax} is in the data's range ${dataMin}..${dataMax}`)
    const microPer: Record<string, number> = { 'ƒ': 1e6, 'mƒ': 1e3, 'µƒ': 1 }
    const perUnit = microPer[unit ?? ''] ?? NaN
    const ticks = (await chart.locator('svg text.tick-y').allTextContents()).map((t) => Number(t.replaceAll(',', '').replace('−', '-')) * perUnit)
    assert.ok(ticks.length >= 3 && ticks.every(Number.isFinite), `tick labels ${JSON.stringify(ticks)} (${unit})`)
    assert.ok(Math.abs(Math.min(...ticks) - axisMin) <= Math.abs(axisMin) * 1e-6 + 1e-6 && Math.abs(Math.max(...ticks) - axisMax) <= Math.abs(axisMax) * 1e-6 + 1e-6, `labels ${JSON.stringify(ticks)} = axis ${axisMin}..${axisMax}`)
    console.log(`# balance axis ${axisMin}..${axisMax} µƒ (labels in ${unit}) for data ${dataMin}..${dataMax} µƒ`)

    // The page keeps to its CSP (no inline script or style): a context that enforces it, a fresh link.
    const strict = await browser.newContext({ viewport: { width: 1400, height: 1100 } })
    const violations: string[] = []
    const strictPage = await strict.newPage()
    strictPage.on('console', (m) => { if (/Content Security Policy/i.test(m.text())) violations.push(m.text()) })
    strictPage.on('pageerror', (err) => { errors.push(err.message) })
    await strictPage.goto(f.api.loginUrl())
    await strictPage.waitForSelector('body[data-ready="true"]', { timeout: 20_000 })
    await strictPage.waitForSelector('[data-testid="live"].on', { timeout: 10_000 })
    await strictPage.waitForSelector('#balance-legend .sw', { timeout: 10_000 })
    const swatch = await strictPage.evaluate("getComputedStyle(document.querySelector('#balance-legend .sw')).backgroundColor")
    assert.notEqual(swatch, 'rgba(0, 0, 0, 0)', 'the legend swatch got its colour under the CSP')
    assert.deepEqual(violations, [], 'no CSP violations')
    await strict.close()

    // A 360 px phone, under the CSP: everything fits, no sideways scroll, no console errors.
    const phone = await browser.newContext({ viewport: { width: 360, height: 780 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true })
    const phonePage = await phone.newPage()
    phonePage.on('console', (m) => { if (m.type() === 'error') errors.push(`console (360 px): ${m.text()}`) })
    phonePage.on('pageerror', (err) => { errors.push(err.message) })
    await phonePage.goto(f.api.loginUrl())
    await phonePage.waitForSelector('body[data-ready="true"]', { timeout: 20_000 })
    await phonePage.waitForSelector('[data-testid="balance-chart"] svg polyline', { timeout: 20_000 })
    const widths = await phonePage.evaluate<[number, number]>('[document.documentElement.scrollWidth, document.documentElement.clientWidth]')
    assert.ok(widths[0] <= widths[1], `no horizontal scroll at 360 px: scrollWidth ${widths[0]} > clientWidth ${widths[1]}`)
    await mkdir(RESULTS, { recursive: true })
    await phonePage.screenshot({ path: join(RESULTS, 'dashboard-360.png'), fullPage: true })
    await phone.close()

    await mkdir(RESULTS, { recursive: true })
    const shot = join(RESULTS, 'dashboard.png')
    await page.screenshot({ path: shot, fullPage: true })
    assert.ok(existsSync(shot))
    assert.deepEqual(external, [], 'no external network fetches')
    assert.deepEqual(errors, [], 'no page errors')
  } finally {
    await browser?.close()
    await f.close()
  }
})
