// `node --import tsx src/demo/main.ts [--cheat] [--follow] [--nodes N] [--epochs N] [--epoch-ms MS]`
import { runDemo } from './index.js'

const argv = process.argv.slice(2)
const num = (flag: string): number | undefined => {
  const i = argv.indexOf(flag)
  const v = i >= 0 ? Number(argv[i + 1]) : NaN
  return Number.isFinite(v) ? v : undefined
}
const ac = new AbortController()
process.once('SIGINT', () => ac.abort())
const nodes = num('--nodes')
const epochs = num('--epochs')
const epochMs = num('--epoch-ms')
runDemo({
  ...(nodes !== undefined ? { nodes } : {}),
  ...(epochs !== undefined ? { epochs } : {}),
  ...(epochMs !== undefined ? { epochMs } : {}),
  cheat: argv.includes('--cheat'),
  follow: argv.includes('--follow'),
  signal: ac.signal,
  out: (line) => { process.stdout.write(line + '\n') }
}).then(
  () => { process.exitCode = 0 },
  (err: unknown) => {
    process.stderr.write(`demo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
    process.exitCode = 1
  }
)
