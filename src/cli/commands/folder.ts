// Folders as Hyperdrives: `favor publish <path>` (through `publish`), `favor get <driveKey> <out>`,
// `favor ls <driveKey>`. The daemon does the work (it holds the corestore) as a job the CLI follows
// with a progress bar; paths are resolved here and sent absolute. `--encrypt` publishes an encrypted
// drive (its key printed once); `--key` or a share link (src/cli/drive-link.ts) reads one.
import { resolve } from 'node:path'
import { ApiCallError, CliError, connect, EXIT } from '../client.js'
import type { Client } from '../client.js'
import { JSON_FLAG, intFlag, needPositionals, sleep, str } from '../command.js'
import type { Command, Values } from '../command.js'
import { bytes, progressBar, short, table } from '../format.js'
import { out, printJson, StatusLine } from '../output.js'
import { driveLink, parseDriveRef } from '../drive-link.js'
import { waitPinned } from './publish.js'
import type { PinStatus } from './publish.js'
// The daemon's JSON answer for a published folder has the shape of the publisher's own result.
import type { PublishedDrive } from '../../roles/drives.js'

interface Progress { phase: string, doneBytes: number, totalBytes: number, doneFiles: number, totalFiles: number }
interface Job { id: string, state: 'running' | 'done' | 'failed', progress: Progress | null, result: unknown, error: { code: string, status: number, details: string } | null }


function progressLine(p: Progress | null): string {
  if (p === null || p.phase === 'scan') return 'scanning…'
  if (p.phase === 'publish') return 'publishing: appending the hosting request…'
  const bar = progressBar(p.doneBytes, p.totalBytes, 24).replace(/\s+\d+\/\d+$/, '')
  return `${p.phase.padEnd(8)} ${bar}  ${bytes(p.doneBytes)} / ${bytes(p.totalBytes)}  ${p.doneFiles}/${p.totalFiles} files`
}

/** Follows a drive job to its end; a failed job becomes a CliError with the job's stable code. */
async function follow(client: Client, first: Job, quiet: boolean): Promise<unknown> {
  let job = first
  const line = new StatusLine()
  try {
    while (job.state === 'running') {
      if (!quiet) line.update(progressLine(job.progress))
      await sleep(250)
      job = await client.request<Job>('GET', `/drives/jobs/${job.id}`)
    }
  } finally {
    line.done()
  }
  if (job.state === 'failed') {
    const e = job.error ?? { code: 'FAILED', status: 500, details: 'failed' }
    throw new CliError(e.details, e.status === 409 && e.code !== 'OUT_EXISTS' ? EXIT.refused : EXIT.error, e.code)
  }
  return job.result
}

/** `favor publish <path>`: a folder or a file, imported into a drive and published as one request. */
export async function publishPath(path: string, values: Values, dir: string): Promise<void> {
  const json = values.json === true
  const body: Record<string, unknown> = { path: resolve(path) }
  const replicas = intFlag(values, 'replicas', 1, 16)
  if (replicas !== undefined) body.replicas = replicas
  const until = intFlag(values, 'until', 0, Number.MAX_SAFE_INTEGER)
  if (until !== undefined) body.until = until
  if (str(values, 'name') !== undefined) body.name = str(values, 'name')
  if (values.encrypt === true) body.encrypt = true
  const client = await connect(dir)
  const job = await client.request<Job>('POST', '/drives/publish', body)
  const r = await follow(client, job, json) as PublishedDrive
  // --wait: the upload — follow the pin until every replica of every core is pinned
  const pin = values.wait === true
    ? await waitPinned(client, await client.request<PinStatus>('GET', `/pins/${r.requestId}`), json, intFlag(values, 'timeout', 1, 7 * 24 * 3600))
    : null
  if (json) {
    printJson(pin === null ? r : { ...r, pin })
    return
  }
  out(`drive ${r.driveKey}`)
  out(`  ${r.files} files, ${bytes(r.bytes)} (version ${r.version}): ${r.added} written, ${r.deleted} deleted, ${r.unchanged} unchanged`)
  for (const c of r.cores) out(`  ${c.kind.padEnd(8)} core ${c.key}  ${c.length} blocks, ${bytes(c.byteLength)}`)
  out(r.newRequest
    ? `request ${r.requestId}: all ${r.cores.length} cores as one pin${pin === null ? ' (hosters are matched within seconds, by a matching round; --wait follows them, favor pins shows them)' : `: ${pin.status}`}`
    : `request ${r.requestId} follows the drive: the grown cores are posted as grow, and the hosters follow`)
  if (!r.encrypted) {
    out(`read it anywhere: favor get ${r.driveKey} <folder>   (or any hyperdrive reader)`)
    return
  }
  out('  encrypted: hosters keep and prove ciphertext they cannot read; readers need the key')
  if (r.encryptionKey !== null) {
    out(`  encryption key (shown this once; kept in ${r.keyFile ?? 'the node directory'}, mode 0600):`)
    out(`    ${r.encryptionKey}`)
    out(`read it anywhere: favor get '${driveLink(r.driveKey, r.encryptionKey)}' <folder>`)
    out('  (or any hyperdrive reader given the drive key and this key as its encryptionKey)')
  } else {
    out(`  the key was shown when the drive was first published; it is kept in ${r.keyFile ?? 'the node directory'}`)
    out(`read it anywhere: favor get ${r.driveKey} --key <encryption key> <folder>`)
  }
}

const KEY_FLAG = { key: { type: 'string', arg: 'HEX', desc: "an encrypted drive's encryption key (or give the share link hyper://<driveKey>#key=<hex>)" } } as const

export const get: Command = {
  usage: 'favor get <driveKey | link> <outFolder> [--key HEX] [--timeout S] [--json]',
  summary: 'download a drive (a published folder; encrypted: with its key) from the network into a new or empty folder',
  flags: {
    ...KEY_FLAG,
    timeout: { type: 'string', arg: 'S', desc: 'give up when no peer serves the drive (or a file) within S seconds (default 15)' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 2, 'a drive key (or link) and a folder: favor get <driveKey> <outFolder>')
    const { key, encryptionKey } = parseDriveRef(positionals[0], str(values, 'key'))
    const target = resolve(positionals[1] ?? '')
    const timeoutS = intFlag(values, 'timeout', 1, 3600)
    const client = await connect(dir)
    const job = await client.request<Job>('POST', '/drives/download', {
      key, out: target, ...(timeoutS === undefined ? {} : { timeoutMs: timeoutS * 1000 }), ...(encryptionKey === null ? {} : { encryptionKey })
    })
    const r = await follow(client, job, values.json === true) as { version: number, files: number, bytes: number }
    if (values.json === true) printJson({ driveKey: key, out: target, ...r })
    else out(`${r.files} files, ${bytes(r.bytes)} of drive ${short(key, 16)} (version ${r.version}) → ${target}`)
  }
}

export const ls: Command = {
  usage: 'favor ls <driveKey | link> [--key HEX] [--json]',
  summary: 'list the files of a drive (a published folder; encrypted: with its key) found on the network',
  flags: { ...KEY_FLAG, ...JSON_FLAG },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 1, 'a drive key (or link): favor ls <driveKey>')
    const { key, encryptionKey } = parseDriveRef(positionals[0], str(values, 'key'))
    const client = await connect(dir)
    let r: { version: number, files: { path: string, size: number, executable: boolean }[] }
    try {
      r = await client.request('GET', `/drives/${key}/files${encryptionKey === null ? '' : `?encryptionKey=${encryptionKey}`}`)
    } catch (err) {
      if (err instanceof ApiCallError && err.status === 404) throw new CliError(err.details, EXIT.error, 'NOT_FOUND')
      if (err instanceof ApiCallError && err.status === 400) throw new CliError(err.details, EXIT.error, err.reason === 'BAD_REQUEST' ? 'NOT_A_DRIVE' : err.reason)
      throw err
    }
    if (values.json === true) {
      printJson(r)
      return
    }
    out(table(['SIZE', 'PATH'], r.files.map((f) => [bytes(f.size), f.path + (f.executable ? ' *' : '')])))
    out(`${r.files.length} files, ${bytes(r.files.reduce((s, f) => s + f.size, 0))} (version ${r.version})`)
  }
}
