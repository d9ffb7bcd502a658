// Commands that append to the ledger: offer, withdraw, transfer, sponsor, set-limit, admit. The daemon
// answers once the contract applied the op (409 with its reason when refused): the command exits 0
// only when the ledger accepted it, 4 with `refused [CODE]: why` when not.
import { parseBytes } from '../../runtime/index.js'
import { ApiCallError, connect, refused, UsageError } from '../client.js'
import type { Client } from '../client.js'
import { JSON_FLAG, amountArg, hexArg, needPositionals, str } from '../command.js'
import type { Command, Values } from '../command.js'
import { bytes, favor, FAVOR_UNIT, short } from '../format.js'
import { out, printJson } from '../output.js'
import { withStatements } from './sponsor-statement.js'

/** Refuses an action aimed at this node or at an account the ledger does not know. */
async function checkTarget(client: Client, to: string, what: string): Promise<void> {
  const me = (await client.request<{ account: string }>('GET', '/status')).account
  if (to === me) throw refused('SELF', `cannot ${what} yourself (${short(me, 16)} is this node's account)`)
  try {
    await client.request('GET', `/accounts/${to}`)
  } catch (err) {
    if (err instanceof ApiCallError && err.status === 404) throw refused('NO_SUCH_ACCOUNT', `no account ${to} on the ledger (an account is a node's writer key: favor status shows it)`)
    throw err
  }
}

const offer: Command = {
  usage: 'favor offer --capacity SIZE [--group G] [--json]',
  summary: 'offer storage to the network as a hoster (again: change the capacity or group)',
  flags: {
    capacity: { type: 'string', short: 'c', arg: 'SIZE', desc: 'bytes offered, e.g. 20GiB, 500MB (more than 0; to stop: favor withdraw)' },
    group: { type: 'string', short: 'g', arg: 'G', desc: 'your operator or failure domain (no two replicas of a core in one group)' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const capacity = str(values, 'capacity')
    if (capacity === undefined) throw new UsageError('--capacity is required, e.g. --capacity 10GiB')
    const n = parseBytes(capacity)
    if (n === null) throw new UsageError(`--capacity: expected a size such as 10GiB or 500MB, got '${capacity}'`)
    if (n === 0) throw new UsageError('--capacity: must be more than 0 (to stop hosting: favor withdraw)')
    const body: Record<string, unknown> = { capacity }
    if (str(values, 'group') !== undefined) body.group = str(values, 'group')
    const res = await (await connect(dir)).request<{ capacityBytes: number, group: string }>('POST', '/offer', body)
    if (values.json === true) printJson(res)
    else out(`offered ${bytes(res.capacityBytes)}${res.group !== '' ? ` in group ${res.group}` : ''}: the ledger accepted it; hosters are matched at each epoch`)
  }
}

const withdraw: Command = {
  usage: 'favor withdraw [--json]',
  summary: 'withdraw the offer: hosted cores are handed over to new hosters gracefully',
  flags: { ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const client = await connect(dir)
    const status = await client.request<{ offer: { withdrawn: boolean } | null }>('GET', '/status')
    if (status.offer === null || status.offer.withdrawn) throw refused('NO_OFFER', 'this node has no offer to withdraw (offer storage with: favor offer --capacity 10GiB)')
    const res = await client.request('POST', '/withdraw', {})
    if (values.json === true) printJson(res)
    else out('offer withdrawn: the ledger accepted it; this node keeps serving its cores until their new hosters are ready')
  }
}

function moveCommand(kind: 'transfer' | 'sponsor' | 'set-limit'): Command {
  const what = { transfer: 'transfer favor to', sponsor: 'sponsor', 'set-limit': 'set a sponsor limit for' }[kind]
  const arg = kind === 'set-limit' ? 'limit' : 'amount'
  return {
    usage: `favor ${kind} <account> <${arg}> [--json]      (${arg} in favor, e.g. 2.5, or micro-favor, e.g. 2500000u)`,
    summary: {
      transfer: "move favor from this node's balance to another account",
      sponsor: 'escrow favor as a sponsor line another account may spend on hosting',
      'set-limit': 'raise or lower the unused part of your sponsor line for an account to exactly <limit> (0 closes it)'
    }[kind],
    flags: { ...JSON_FLAG },
    async run({ values, positionals, dir }: { values: Values, positionals: string[], dir: string }) {
      needPositionals(positionals, 2, `favor ${kind} <account> <${arg}>`)
      const to = hexArg(positionals[0], 'account')
      const amount = amountArg(positionals[1], kind === 'set-limit')
      const client = await connect(dir)
      await checkTarget(client, to, what)
      const body = kind === 'set-limit' ? { to, limit: amount } : { to, amount }
      const res = await client.request('POST', kind === 'set-limit' ? '/set-limit' : `/${kind}`, body)
      if (values.json === true) return printJson(res)
      const f = `${favor(amount)} favor`
      out({
        transfer: `transferred ${f} to ${short(to, 16)}: the ledger accepted it`,
        sponsor: `sponsor line of ${f} opened for ${short(to, 16)}: the ledger accepted it`,
        'set-limit': `sponsor line for ${short(to, 16)} set to ${f}: the ledger accepted it`
      }[kind])
      out(`(${FAVOR_UNIT})`)
    }
  }
}

const admit: Command = {
  usage: 'favor admit <writerKey> [--indexer] [--json]',
  summary: 'admit another node (its account) as a writer of the ledger (joining nodes usually ask by themselves)',
  flags: { indexer: { type: 'boolean', desc: 'also make it an indexer (admin only)' }, ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 1, 'favor admit <writerKey>')
    const res = await (await connect(dir)).request('POST', '/writers', { key: hexArg(positionals[0], 'writerKey'), indexer: values.indexer === true })
    if (values.json === true) printJson(res)
    else out(`admission of ${short(positionals[0])} appended to the ledger`)
  }
}

export const actionCommands: Record<string, Command> = {
  offer, withdraw, transfer: moveCommand('transfer'), sponsor: withStatements(moveCommand('sponsor')), 'set-limit': moveCommand('set-limit'), admit
}
