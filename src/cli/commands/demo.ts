// `favor demo`: the local demo network (src/demo).
import { intFlag } from '../command.js'
import type { Command } from '../command.js'
import { out, printJson } from '../output.js'

export const demo: Command = {
  usage: 'favor demo [--cheat] [--follow] [--nodes N] [--epochs N] [--epoch-ms MS] [--json]',
  summary: 'run a local network of real nodes on loopback and show it epoch by epoch',
  flags: {
    cheat: { type: 'boolean', desc: 'one hoster drops its copy mid-run: watch it caught and replaced' },
    follow: { type: 'boolean', desc: 'keep running after the last epoch until Ctrl-C' },
    nodes: { type: 'string', arg: 'N', desc: 'nodes in the network, 4–32 (default 5)' },
    epochs: { type: 'string', arg: 'N', desc: 'epochs to show before the summary (default 10)' },
    'epoch-ms': { type: 'string', arg: 'MS', desc: 'real length of an epoch in ms (default 3000; each is billed as one hour)' },
    json: { type: 'boolean', desc: 'print only the summary, as JSON' }
  },
  async run({ values }) {
    const { runDemo } = await import('../../demo/index.js')
    const nodes = intFlag(values, 'nodes', 4, 32)
    const epochs = intFlag(values, 'epochs', 1, 1_000_000)
    const epochMs = intFlag(values, 'epoch-ms', 200, 3_600_000)
    const ac = new AbortController()
    const onInt = (): void => { ac.abort() }
    process.once('SIGINT', onInt)
    try {
      const summary = await runDemo({
        ...(nodes !== undefined ? { nodes } : {}),
        ...(epochs !== undefined ? { epochs } : {}),
        ...(epochMs !== undefined ? { epochMs } : {}),
        cheat: values.cheat === true,
        follow: values.follow === true,
        signal: ac.signal,
        out: values.json === true ? () => {} : (line) => { out(line) }
      })
      if (values.json === true) printJson(summary)
    } finally {
      process.off('SIGINT', onInt)
    }
  }
}
