// `npm run fuzz -- --ledger N --challenge N --api N --seed S`: the fuzzers of fuzz-lib.ts with larger
// counts. Exits 1 on any finding (a crash, a 5xx, an unrecorded or internally failed op, a divergence,
// a silent hoster or a hoster that stops serving).
import { parseArgs } from 'node:util'
import { fuzzApi, fuzzChallenge, fuzzLedger } from './fuzz-lib.js'
import { show } from './harness.js'

const { values } = parseArgs({
  options: {
    ledger: { type: 'string', default: '2000' },
    challenge: { type: 'string', default: '5000' },
    api: { type: 'string', default: '5000' },
    seed: { type: 'string', default: 'fuzz-cli' },
    'add-writer': { type: 'boolean', default: false }
  }
})
const findings: string[] = []
// the stages use `<seed>/ledger`, `<seed>/challenge` and `<seed>/api`: rerun with --seed to reproduce
console.log(`fuzz: seed '${values.seed}', ledger ${values.ledger}, challenge ${values.challenge}, api ${values.api}`)
try {
  if (Number(values.ledger) > 0) {
    const r = await fuzzLedger(Number(values.ledger), `${values.seed}/ledger`, { addWriter: values['add-writer'] })
    console.log(`ledger: ${show(r)}`)
    if (r.unrecorded > 0) findings.push(`ledger: ${r.unrecorded} ops neither applied nor recorded`)
    if (r.internal.length > 0) findings.push(`ledger: internal failures ${show(r.internal.slice(0, 5))}`)
    if (new Set(r.digests).size !== 1) findings.push('ledger: digests differ')
  }
  if (Number(values.challenge) > 0) {
    const r = await fuzzChallenge(Number(values.challenge), `${values.seed}/challenge`)
    console.log(`challenge: ${show(r)}`)
    if (r.silent > 0) findings.push(`challenge: ${r.silent} cases without an answer`)
    if (r.honestAfter !== 'pass') findings.push(`challenge: honest challenge afterwards ${r.honestAfter}`)
  }
  if (Number(values.api) > 0) {
    const r = await fuzzApi(Number(values.api), `${values.seed}/api`)
    console.log(`api: ${show({ ...r, bad: r.bad.slice(0, 20) })}`)
    for (const b of r.bad) findings.push(`api: ${b}`)
    if (!r.aliveAfter) findings.push('api: server not answering afterwards')
  }
} catch (err) {
  findings.push(`aborted: ${(err as Error).message}`)
}
console.log(findings.length === 0 ? 'fuzz: no findings' : `fuzz: ${findings.length} finding(s)`)
for (const f of findings.slice(0, 50)) console.log(`  - ${f}`)
process.exitCode = findings.length === 0 ? 0 : 1
