// `favor publish`: asks the network to host a core. The daemon looks for peers serving the core
// (bounded) before calling it empty, and answers "no peer serves this key" when none does; a core
// this node already has a live pin for is reported, not requested twice (unless --again).
import { ApiCallError, CliError, connect, EXIT, refused, UsageError } from '../client.js'
import type { Client } from '../client.js'
import { JSON_FLAG, hexArg, intFlag, needPositionals, sleep, str } from '../command.js'
import type { Command } from '../command.js'
import { describeNext, epochTiming } from '../epoch.js'
import { progressBar } from '../format.js'
import { out, printJson, StatusLine, withSpinner } from '../output.js'
import { existsSync } from 'node:fs'
import { publishPath } from './folder.js'
import type { EncryptionInfo } from '../../api/service.js'

export interface PinStatus {
  requestid: string
  status: 'queued' | 'pinning' | 'pinned' | 'failed'
  created: string
  pin: { cid: string, name?: string }
  /** The Pinning Service API's StatusInfo: string values only (see src/api/handlers/pins.ts). */
  info: { status_details?: string, replicas?: string, slots?: string, slotsFilled?: string, activeReplicas?: string }
}

/** Replicas of a pin that are active (pinned) now. */
export function activeReplicas(pin: PinStatus): number {
  return Number(pin.info.activeReplicas ?? '0')
}

export async function waitPinned(client: Client, first: PinStatus, quiet: boolean, timeoutS: number | undefined): Promise<PinStatus> {
  let pin = first
  const line = new StatusLine()
  const deadline = timeoutS === undefined ? Infinity : Date.now() + timeoutS * 1000
  try {
    while (pin.status === 'queued' || pin.status === 'pinning') {
      if (Date.now() > deadline) throw new CliError(`request ${pin.requestid} still ${pin.status} after ${timeoutS ?? 0} s (it goes on: favor pins)`, EXIT.error, 'WAIT_TIMEOUT')
      if (!quiet) {
        const why = pin.status === 'queued' ? describeNext(await epochTiming(client)) : pin.info.status_details ?? ''
        line.update(`${pin.status.padEnd(8)} ${progressBar(activeReplicas(pin), Number(pin.info.slots ?? '0'), 20)} replicas pinned — ${why}`)
      }
      await sleep(500)
      pin = await client.request<PinStatus>('GET', `/pins/${pin.requestid}`)
    }
  } finally {
    line.done()
  }
  return pin
}

export const publish: Command = {
  usage: 'favor publish <coreKey | folder | file> [--encrypt] [--replicas N] [--name NAME] [--until EPOCH] [--wait [--timeout S]] [--again] [--json]',
  summary: 'ask the network to host a hypercore, or a folder/file as a Hyperdrive (one pin for all its cores; re-run to update it)',
  flags: {
    encrypt: { type: 'boolean', desc: 'blind hosting: encrypt the blocks (a folder: a new encrypted drive; a core: one created encrypted); the key is printed once' },
    replicas: { type: 'string', short: 'r', arg: 'N', desc: 'copies to keep on distinct hosters (default 2)' },
    name: { type: 'string', arg: 'NAME', desc: 'a name for the pin (favor pins --name)' },
    until: { type: 'string', arg: 'EPOCH', desc: 'last epoch to keep it (default: far in the future)' },
    wait: { type: 'boolean', desc: 'wait until every replica is pinned, with a progress bar' },
    timeout: { type: 'string', arg: 'S', desc: 'with --wait: give up waiting after S seconds (the pin goes on)' },
    again: { type: 'boolean', desc: 'request more replicas even though this core already has a live pin' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 1, 'one hypercore key, folder or file: favor publish <coreKey | path>')
    const arg = positionals[0] ?? ''
    // A path (anything that exists, or does not look like a key) is a folder or file to publish as a drive.
    if (existsSync(arg)) {
      await publishPath(arg, values, dir)
      return
    }
    if (!/^[0-9a-fA-F]{64}$/.test(arg)) throw new UsageError(`'${arg}' is neither a hypercore key (64 hex characters) nor an existing folder or file`)
    const cid = hexArg(positionals[0], 'coreKey')
    const json = values.json === true
    const body: Record<string, unknown> = { cid }
    const replicas = intFlag(values, 'replicas', 1, 16)
    if (replicas !== undefined) body.replicas = replicas
    const until = intFlag(values, 'until', 0, Number.MAX_SAFE_INTEGER)
    if (until !== undefined) body.until = until
    if (str(values, 'name') !== undefined) body.name = str(values, 'name')
    const timeoutS = intFlag(values, 'timeout', 1, 7 * 24 * 3600)
    const client = await connect(dir)
    // A core is encrypted when it is created (its first block): --encrypt checks that it is, before
    // anything is requested, and shows its key once the pin is made.
    const encryptionOf = async (reveal: boolean): Promise<EncryptionInfo> => {
      try {
        return await client.request<EncryptionInfo>('POST', `/cores/${cid}/encryption`, { reveal })
      } catch (err) {
        if (err instanceof ApiCallError && err.status === 404) throw new CliError(err.details, EXIT.error, 'NOT_ENCRYPTED')
        throw err
      }
    }
    if (values.encrypt === true) await encryptionOf(false)
    if (values.again !== true) {
      const live = await client.request<{ count: number, results: PinStatus[] }>('GET', `/pins?cid=${cid}&status=queued,pinning,pinned`)
      const dup = live.results[0]
      if (dup !== undefined) throw refused('DUPLICATE_PIN', `core ${cid} is already published as request ${dup.requestid} (${dup.status}); see favor pins, or pass --again to request more replicas anyway`)
    }
    let pin: PinStatus
    try {
      pin = await withSpinner('looking for peers that serve this core, then appending the request…', client.request<PinStatus>('POST', '/pins', body), json)
    } catch (err) {
      if (err instanceof ApiCallError && err.status === 404) throw new CliError(err.details, EXIT.error, 'NO_PEER')
      throw err
    }
    const encryption = values.encrypt === true ? await encryptionOf(true) : null
    if (values.wait === true) pin = await waitPinned(client, pin, json, timeoutS)
    if (json) printJson(encryption === null ? pin : { ...pin, encryption })
    else {
      out(`request ${pin.requestid}: ${pin.status}${pin.status === 'failed' && pin.info.status_details !== undefined ? ` (${pin.info.status_details})` : ''}`)
      if (pin.status === 'queued') out(`  hosters are matched at the start of each epoch: ${describeNext(await epochTiming(client))}`)
      else if (pin.status !== 'pinned' && pin.info.status_details !== undefined) out(`  ${pin.info.status_details}`)
      if (encryption !== null) {
        out('  encrypted: hosters keep and prove ciphertext they cannot read; readers need the key')
        out(encryption.encryptionKey !== null
          ? `  encryption key (shown this once; kept in ${encryption.keyFile}, mode 0600):\n    ${encryption.encryptionKey}`
          : `  the key was shown once already; it is kept in ${encryption.keyFile}`)
      }
    }
    if (pin.status === 'failed') throw refused('PIN_FAILED', `pin ${pin.requestid} failed: ${pin.info.status_details ?? 'failed'}`)
  }
}

export const unpin: Command = {
  usage: 'favor unpin <requestid> [--json]',
  summary: 'cancel a pin (hosting request) of this node: its hosters stop keeping the core',
  flags: { ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 1, 'one request id: favor unpin <requestid> (favor pins lists them)')
    const id = positionals[0] ?? ''
    if (!/^[1-9]\d{0,14}$/.test(id)) throw new UsageError(`requestid: expected a positive integer, got '${id}'`)
    const client = await connect(dir)
    try {
      await client.request('DELETE', `/pins/${id}`)
    } catch (err) {
      if (err instanceof ApiCallError && err.status === 404) throw new CliError(`no pin ${id} of this node (favor pins lists them)`, EXIT.error, 'NOT_FOUND')
      throw err
    }
    if (values.json === true) printJson({ requestid: id, cancelled: true })
    else out(`pin ${id} cancelled: the request is closed on the ledger and its hosters let the core go`)
  }
}
