// `favor statement`: an account's balance statement through the daemon, or the offline check of one
// (no daemon, no corestore, no network: src/statement imports no network module).
import { readFile, writeFile } from 'node:fs/promises'
import { ApiCallError, CliError, connect, EXIT, UsageError } from '../client.js'
import { JSON_FLAG, hexArg, needPositionals, sleep, str } from '../command.js'
import type { Command, Values } from '../command.js'
import { out, printJson } from '../output.js'

/** How long `favor statement` waits for a node whose signed state is not ready for a statement. */
const STATEMENT_WAIT_MS = 20_000

async function verifyFile(values: Values, file: string): Promise<void> {
  const st = await import('../../statement/index.js')
  const maxAgeText = str(values, 'max-age')
  const maxAgeMs = maxAgeText === undefined ? undefined : st.parseDuration(maxAgeText)
  if (maxAgeMs === null) throw new UsageError(`--max-age: expected a duration such as 90s, 15m, 1h or 2d, got '${maxAgeText ?? ''}'`)
  const indexers = (str(values, 'indexers') ?? '').split(',').filter((k) => k !== '').map((k) => hexArg(k, '--indexers'))
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
  }
  const given = str(values, 'network')
  const network = given === undefined ? null : hexArg(given, '--network')
  let v: ReturnType<typeof st.verifyStatement>
  try {
    // Without --network the file's own network key is used: the proof still holds, but only for the
    // network the file names — say so.
    const key = network ?? st.decodeStatement(bytes).networkKey
    v = st.verifyStatement(bytes, { networkKey: key, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}), indexers })
  } catch (err) {
    if (st.isStatementError(err)) {
      if (values.json === true) printJson({ ok: false, code: err.code, message: err.message })
      throw new CliError(err.message, EXIT.error, err.code)
    }
    throw err
  }
  if (values.json === true) return printJson({ ok: true, networkFromFile: network === null, ...st.valuesToJSON(v) })
  out('ok: the ledger\'s indexers signed these values')
  for (const line of st.describeStatement(v)) out(line)
  if (network === null) out('note: the network key was taken from the file; pass --network KEY to check it is the network you mean')
}

export const statement: Command = {
  usage: 'favor statement <account|me> [--out FILE] [--json]\n       favor statement verify FILE [--network KEY] [--max-age 1h] [--indexers KEY,KEY] [--json]',
  summary: "an account's balance statement (via the daemon), or check one offline (no daemon, no network)",
  flags: {
    out: { type: 'string', short: 'o', arg: 'FILE', desc: 'where to write the statement (default favor-statement-<account>.bin)' },
    network: { type: 'string', arg: 'KEY', desc: 'verify: the network key the statement must belong to (default: the one the file names)' },
    'max-age': { type: 'string', arg: 'DURATION', desc: 'verify: refuse a statement older than this (e.g. 90s, 15m, 1h, 2d)' },
    indexers: { type: 'string', arg: 'KEY,KEY', desc: 'verify: indexer keys to trust besides the network\'s bootstrap writer' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    if (positionals[0] === 'verify') {
      needPositionals(positionals, 2, 'verify FILE')
      return verifyFile(values, positionals[1] as string)
    }
    const st = await import('../../statement/index.js')
    needPositionals(positionals, 1, 'an account (or me), or verify FILE')
    const id = positionals[0] === 'me' ? 'me' : hexArg(positionals[0], 'account')
    const client = await connect(dir)
    // 503: the ledger's signed state is not ready for a statement yet (e.g. right after an indexer
    // change, before a signed head links the new set to the network key): wait a bounded while.
    const deadline = Date.now() + STATEMENT_WAIT_MS
    let r: { account: string, network: string, bytes: number, statement: string }
    for (;;) {
      try {
        r = await client.request<{ account: string, network: string, bytes: number, statement: string }>('GET', `/statements/${id}`)
        break
      } catch (err) {
        if (!(err instanceof ApiCallError && err.status === 503) || Date.now() > deadline) throw err
        await sleep(500)
      }
    }
    const bytes = Buffer.from(r.statement, 'base64')
    const file = str(values, 'out') ?? `favor-statement-${r.account.slice(0, 12)}.bin`
    const v = st.verifyStatement(bytes, { networkKey: r.network })
    await writeFile(file, bytes)
    if (values.json === true) return printJson({ file, ...st.valuesToJSON(v) })
    out(`wrote ${file} (${bytes.byteLength} bytes); check it anywhere with: favor statement verify ${file} --network ${r.network}`)
    for (const line of st.describeStatement(v)) out(line)
  }
}
