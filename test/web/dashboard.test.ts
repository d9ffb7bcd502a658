// Drives the dashboard in headless Debian chromium with playwright-core over a real, small Favor
// network (in-process FavorNodes on a loopback testnet): without a session the page asks to log in with
// the printed link; after the one-time login link (the daemon's `loginUrl()`, what `favor start` prints)
// the network's data appears and the page updates after an epoch without a reload. Saves a screenshot
// under test-results/.
// Skips with a message when /usr/bin/chromium is absent (CI installs it: scripts/install-chromium.sh).
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { test } from 'node:test'
import { fileURLToPath } from 'node:url'
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
    const key = await makeCore(f.node, 'web-core', 16)
    const pin = await call(f.url, 'POST', '/pins', { token: f.token, body: { cid: key, name: 'web', replicas: 2 } })
    assert.equal(pin.status, 202)

    const page = await browser.newPage({ viewport: { width: 1400, height: 1100 }, bypassCSP: true }) // string predicates need eval; the page's own CSP forbids it
    const external: string[] = []
    page.on('request', (req) => { if (!req.url().startsWith(f.url)) external.push(req.url()) })
    const errors: string[] = []
    page.on('pageerror', (err) => { errors.push(err.message) })
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
    const link = f.api.loginUrl()
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
    await until("document.querySelectorAll('[data-testid=agreements] tbody tr').length >= 1", 30_000)
    await page.waitForSelector('[data-testid="live"].on', { timeout: 10_000 })

    // Updates after an epoch, live (no reload): the epoch pill and the balance chart move on.
    const epochBefore = Number(await page.locator('[data-testid="epoch"]').getAttribute('data-epoch'))
    const pointsBefore = Number(await page.locator('[data-testid="balance-chart"]').getAttribute('data-points'))
    await until(`Number(document.querySelector('[data-testid=epoch]').getAttribute('data-epoch')) >= ${epochBefore + 2}`, 30_000)
    await until(`Number(document.querySelector('[data-testid=balance-chart]').getAttribute('data-points')) > ${pointsBefore}`, 30_000)
    await until("document.querySelectorAll('[data-testid=events] li').length >= 1", 20_000)
    // Challenges ran: the epochs table shows passes.
    await until("[...document.querySelectorAll('[data-testid=epochs] tbody tr')].some((tr) => Number(tr.children[3].textContent) > 0)", 45_000)
    assert.ok(await page.locator('[data-testid="balance-chart"] svg polyline').count() >= 1)
    assert.ok(await page.locator('[data-testid="outcome-chart"] svg rect').count() >= 1)

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
