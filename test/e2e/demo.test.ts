// The demo end to end (short), cheat path: the cheater is caught (`missing`) and the agreement repaired.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { runDemo } from '../../src/demo/index.js'

test('demo with --cheat shows the cheater caught and a repair', { timeout: 150_000 }, async () => {
  const lines: string[] = []
  const s = await runDemo({ nodes: 5, epochs: 4, epochMs: 1500, cheat: true, out: (l) => lines.push(l) })
  const text = lines.join('\n')
  assert.ok(s.firstPassMs !== null, 'a challenge passed')
  assert.ok(s.caught, 'cheater caught:\n' + text)
  assert.ok(s.repaired, 'agreement repaired:\n' + text)
  assert.match(text, /MISSING/)
  assert.match(text, /repaired: agreement #\d+ ended \(failed\)/)
  assert.match(text, /── summary ──/)
  assert.match(text, /dashboard: http:\/\/127\.0\.0\.1:\d+\/login\?code=[0-9a-f]{64} /, 'the one-time dashboard login link')
  assert.ok(s.agreements.some((a) => a.endReason === 'failed'))
})
