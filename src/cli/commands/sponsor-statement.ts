// `favor sponsor <account> --from-statement FILE --rate R --limit L`: honour another network's
// statement with a credit line in this one (docs/statements.md). The file is checked here first,
// offline (a bad statement fails with its code before the daemon is asked), then the daemon verifies
// it again, escrows min(L, R × the proven balance) of this node's balance for <account> and records the
// backing. `favor sponsor --statements` lists the lines opened so, with their statements.
import { readFile } from 'node:fs/promises'
import { CliError, connect, EXIT, UsageError } from '../client.js'
import { amountArg, hexArg, needPositionals, str } from '../command.js'
import type { Command, Flags, RunArgs } from '../command.js'
import { favor, short } from '../format.js'
import { out, printJson } from '../output.js'

const FLAGS: Flags = {
  'from-statement': { type: 'string', arg: 'FILE', desc: 'open the line from another network\'s statement of <account>\'s member there' },
  rate: { type: 'string', arg: 'R', desc: 'with --from-statement: favor here per proven favor there (e.g. 0.5)' },
  limit: { type: 'string', arg: 'L', desc: 'with --from-statement: the most the line may be (favor, e.g. 10, or micro-favor, e.g. 2500u)' },
  network: { type: 'string', arg: 'KEY', desc: 'with --from-statement: the other network\'s key (default: the one the file names, with a warning)' },
  'max-age': { type: 'string', arg: 'DURATION', desc: 'with --from-statement: refuse a statement older than this (default 1d)' },
  statements: { type: 'boolean', desc: 'list the lines this node opened from statements' }
}

interface Line {
  to: string
  amount: string
  rate: string
  limit: string
  boundBy: string
  statement: { network: string, networkFrom: string, account: string, version: number, epochTime: number | null, balance: string, chainLinks: number, sha256: string }
  lineNow?: string
  warnings?: string[]
}

function describe(l: Line): string[] {
  const s = l.statement
  return [
    `line        ${favor(BigInt(l.amount))} favor for ${short(l.to, 16)} (${l.boundBy === 'limit' ? `capped by the limit ${favor(BigInt(l.limit))}` : `rate ${l.rate} × proven balance`})${l.lineNow !== undefined ? `, ${favor(BigInt(l.lineNow))} left` : ''}`,
    `backed by   statement of ${short(s.account, 16)} in network ${short(s.network, 16)}${s.networkFrom === 'file' ? ' (key taken from the file)' : ''}`,
    `            ledger version ${s.version}${s.epochTime === null ? '' : ` of ${new Date(s.epochTime).toISOString()}`}, proven balance ${favor(BigInt(s.balance))} favor, ${s.chainLinks} chain link(s), sha256 ${s.sha256.slice(0, 16)}…`
  ]
}

async function fromStatement({ values, positionals, dir }: RunArgs, file: string): Promise<void> {
  const st = await import('../../statement/index.js')
  needPositionals(positionals, 1, 'favor sponsor <account> --from-statement FILE --rate R --limit L')
  if (positionals.length > 1) throw new UsageError('with --from-statement the amount comes from the statement: give --rate and --limit, not an amount')
  const to = hexArg(positionals[0], 'account')
  const rateText = str(values, 'rate')
  const rateMicro = rateText === undefined ? null : st.parseRate(rateText)
  if (rateMicro === null) throw new UsageError(`--rate: expected a number above 0 and at most 1000 with at most 6 decimals, e.g. 0.5, got '${rateText ?? ''}'`)
  const limit = amountArg(str(values, 'limit'))
  const netText = str(values, 'network')
  const network = netText === undefined ? null : hexArg(netText, '--network')
  const ageText = str(values, 'max-age')
  const maxAgeMs = ageText === undefined ? undefined : st.parseDuration(ageText)
  if (maxAgeMs === null || maxAgeMs === 0) throw new UsageError(`--max-age: expected a duration such as 90s, 15m, 1h or 2d, got '${ageText ?? ''}'`)
  let bytes: Buffer
  try {
    bytes = await readFile(file)
  } catch (err) {
    throw new CliError(`cannot read ${file}: ${(err as Error).message}`)
  }
  // Offline first: the same check the daemon makes, so a bad file fails here with its code.
  try {
    st.creditFromStatement(bytes, { networkKey: network, rateMicro, limit: BigInt(limit), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) })
  } catch (err) {
    if (st.isStatementError(err)) throw new CliError(`favor sponsor: ${err.message}`, EXIT.error, err.code)
    throw err
  }
  const body = { to, statement: bytes.toString('base64'), rate: rateText, limit, ...(network !== null ? { network } : {}), ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) }
  const res = await (await connect(dir)).request<Line>('POST', '/sponsor/statement', body)
  if (values.json === true) return printJson(res)
  for (const w of res.warnings ?? []) out(`warning: ${w}`)
  out(`sponsor line opened from a statement: the ledger accepted it`)
  for (const l of describe(res)) out(l)
}

/** The sponsor command with --from-statement / --statements added. */
export function withStatements(base: Command): Command {
  return {
    usage: `${base.usage}\n       favor sponsor <account> --from-statement FILE --rate R --limit L [--network KEY] [--max-age 1d] [--json]\n       favor sponsor --statements [--json]`,
    summary: `${base.summary}; or honour another network's balance statement with a line`,
    flags: { ...base.flags, ...FLAGS },
    async run(args) {
      const file = str(args.values, 'from-statement')
      if (file !== undefined) return fromStatement(args, file)
      if (args.values.statements === true) {
        const res = await (await connect(args.dir)).request<{ lines: Line[] }>('GET', '/sponsor/statements')
        if (args.values.json === true) return printJson(res)
        if (res.lines.length === 0) out('no lines opened from statements')
        for (const l of res.lines) for (const s of describe(l)) out(s)
        return
      }
      for (const f of ['rate', 'limit', 'network', 'max-age']) {
        if (args.values[f] !== undefined) throw new UsageError(`--${f} goes with --from-statement`)
      }
      return base.run(args)
    }
  }
}
