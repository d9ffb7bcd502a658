// `npm run test:stress [-- --runs N]`: runs the whole test suite while CPU hogs keep every core busy,
// N times in a row (default 3), and stops at the first failing run. Tests must wait on conditions, not
// on time, so a busy machine may slow them down but must not fail them.
//
// The hogs are plain busy loops at normal priority, one per core (os.availableParallelism()); they are
// killed when the runs end, on Ctrl-C and if this script dies. The npm script builds the suite once,
// then each run executes the compiled tests exactly as `npm test` does.
import { spawn, spawnSync } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { availableParallelism } from 'node:os'
import { readdirSync, statSync } from 'node:fs'
import path from 'node:path'

const args = process.argv.slice(2)
const runsAt = args.indexOf('--runs')
const runs = runsAt >= 0 ? Number(args[runsAt + 1]) : 3
if (!Number.isInteger(runs) || runs < 1) {
  console.error('test:stress: --runs must be a positive integer')
  process.exit(2)
}

const hogs: ChildProcess[] = []
function startHogs(): void {
  for (let i = 0; i < availableParallelism(); i++) {
    hogs.push(spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }))
  }
}
function stopHogs(): void {
  for (const h of hogs.splice(0)) h.kill('SIGKILL')
}
process.on('exit', stopHogs)
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { stopHogs(); process.exit(130) })

function testFiles(dir: string): string[] {
  const out: string[] = []
  for (const name of readdirSync(dir)) {
    const p = path.join(dir, name)
    if (statSync(p).isDirectory()) out.push(...testFiles(p))
    else if (name.endsWith('.test.js')) out.push(p)
  }
  return out.sort()
}

const files = testFiles('dist/test')

const results: { run: number, status: number | null, seconds: number }[] = []
for (let run = 1; run <= runs; run++) {
  startHogs()
  const started = Date.now()
  console.log(`\n=== test:stress run ${run}/${runs}: ${files.length} test files, ${hogs.length} CPU hogs ===`)
  const res = spawnSync(process.execPath, ['--test', '--test-concurrency=2', '--test-timeout=480000', ...files], { stdio: 'inherit' })
  stopHogs()
  const seconds = Math.round((Date.now() - started) / 1000)
  results.push({ run, status: res.status, seconds })
  console.log(`=== run ${run}: exit ${res.status} in ${seconds} s ===`)
  if (res.status !== 0) break
}
console.log('\ntest:stress summary')
for (const r of results) console.log(`  run ${r.run}: ${r.status === 0 ? 'passed' : `FAILED (exit ${r.status})`} in ${r.seconds} s`)
const ok = results.length === runs && results.every((r) => r.status === 0)
console.log(ok ? `${runs} of ${runs} runs passed under CPU load` : 'stress run failed')
process.exit(ok ? 0 : 1)
