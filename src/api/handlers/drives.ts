// Folders as drives. Importing a folder and downloading a drive take long, so they run as jobs: a POST
// starts one (202 with its id), `GET /drives/jobs/{id}` tells its progress, then its result or its
// error (with the stable code of the failure). Paths are on the daemon's machine: the CLI sends
// absolute paths; only the bearer token may start a job (every POST is a write).
// Encrypted drives: `encrypt: true` on publish (the job's result carries the key once), the key as
// `encryptionKey` (hex) on download and as the `encryptionKey` query parameter on a listing;
// `POST /cores/{key}/encryption` tells whether a core is one of this node's encrypted ones and, with
// `reveal` (default), hands out its key once (the CLI's publish --encrypt).
import { isAbsolute } from 'node:path'
import { DEFAULT_PIN_REPLICAS, MAX_PIN_NAME } from '../constants.js'
import { ApiError, badRequest, fromServiceError, notFound } from '../errors.js'
import type { PinStore } from '../pin-store.js'
import type { RequestContext, Router } from '../router.js'
import type { DriveProgress, FavorService } from '../service.js'
import { boolean, hexKey, integer, objectBody, optionalString } from '../validate.js'

/** Jobs remembered; the oldest finished ones go first. */
const MAX_JOBS = 64
const MAX_PATH = 4096

export interface DriveJob {
  id: string
  kind: 'publish' | 'download'
  state: 'running' | 'done' | 'failed'
  progress: DriveProgress | null
  result: unknown
  /** The failure: its stable code (e.g. PATH_NOT_FOUND, SYMLINK_LOOP, NOT_A_DRIVE), HTTP status and text. */
  error: { code: string, status: number, details: string } | null
}

/** The stable code of a failure, and the HTTP status it would have had as a direct answer. */
function failure(err: unknown): DriveJob['error'] {
  const code = typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
  const details = err instanceof Error ? err.message : String(err)
  switch (code) {
    case 'PATH_NOT_FOUND':
    case 'UNREADABLE':
    case 'SYMLINK_LOOP':
    case 'UNSUPPORTED_FILE':
    case 'FILE_CHANGED':
    case 'FILE_VANISHED':
    case 'TOO_MANY_FILES':
    case 'BAD_PATH':
    case 'NOT_A_DRIVE':
    case 'WRONG_KEY':
    case 'NOT_ENCRYPTED':
    case 'OUT_EXISTS':
      return { code, status: code === 'OUT_EXISTS' ? 409 : 400, details }
  }
  const api = fromServiceError(err)
  return { code: code !== '' ? code : api.reason, status: api.status, details: api.details }
}

/** An encryption key in hex, as bytes; undefined when absent. */
function encryptionKey(value: unknown, field: string): Buffer | undefined {
  return value === undefined || value === null ? undefined : Buffer.from(hexKey(value, field), 'hex')
}

function absolutePath(value: unknown, field: string): string {
  const p = optionalString(value, field, MAX_PATH)
  if (p === undefined || !isAbsolute(p)) throw badRequest(`${field}: required, an absolute path on the daemon's machine`)
  return p
}

export class DrivesApi {
  private readonly jobs = new Map<string, DriveJob>()
  private nextId = 1

  constructor(private readonly service: FavorService, private readonly pins: PinStore) {}

  register(router: Router): void {
    router.post('/drives/publish', (ctx) => this.publish(ctx))
    router.post('/drives/download', (ctx) => this.download(ctx))
    router.get('/drives/jobs/:id', (ctx) => this.job(ctx))
    router.get('/drives/:key/files', (ctx) => this.files(ctx))
    router.post('/cores/:key/encryption', (ctx) => this.encryption(ctx))
  }

  private start(kind: DriveJob['kind'], work: (job: DriveJob) => Promise<unknown>): DriveJob {
    const job: DriveJob = { id: String(this.nextId++), kind, state: 'running', progress: null, result: null, error: null }
    if (this.jobs.size >= MAX_JOBS) {
      for (const [id, j] of this.jobs) {
        if (j.state !== 'running') { this.jobs.delete(id); break }
      }
    }
    this.jobs.set(job.id, job)
    work(job).then((result) => {
      job.result = result
      job.state = 'done'
    }, (err: unknown) => {
      job.error = failure(err)
      job.state = 'failed'
    })
    return job
  }

  private async publish(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const publishFolder = this.service.publishFolder?.bind(this.service)
    if (publishFolder === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node does not publish folders')
    const o = objectBody(await ctx.body(), ['path', 'replicas', 'name', 'until', 'encrypt'])
    const path = absolutePath(o.path, 'path')
    const encrypt = o.encrypt === undefined ? false : boolean(o.encrypt, 'encrypt')
    const replicas = o.replicas === undefined ? DEFAULT_PIN_REPLICAS : integer(o.replicas, 'replicas', 1, 16)
    const until = o.until === undefined ? undefined : integer(o.until, 'until', 0, Number.MAX_SAFE_INTEGER)
    const name = optionalString(o.name, 'name', MAX_PIN_NAME) ?? null
    const job = this.start('publish', async (j) => {
      const result = await publishFolder(path, { replicas, encrypt, ...(until === undefined ? {} : { until }), onProgress: (p) => { j.progress = p } })
      if (result.newRequest) {
        await this.pins.put({
          requestId: result.requestId, cid: result.driveKey, name: name ?? path, origins: [], meta: { kind: 'drive', path, ...(result.encrypted ? { encrypted: 'true' } : {}) },
          created: new Date().toISOString(), replicas, removed: false, replacedBy: null
        })
      }
      return result
    })
    return { status: 202, body: job }
  }

  private async download(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const getDrive = this.service.getDrive?.bind(this.service)
    if (getDrive === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node does not download drives')
    const o = objectBody(await ctx.body(), ['key', 'out', 'timeoutMs', 'encryptionKey'])
    const key = hexKey(o.key, 'key')
    const out = absolutePath(o.out, 'out')
    const timeoutMs = o.timeoutMs === undefined ? undefined : integer(o.timeoutMs, 'timeoutMs', 1, 3_600_000)
    const ek = encryptionKey(o.encryptionKey, 'encryptionKey')
    const job = this.start('download', (j) => getDrive(key, out, {
      ...(timeoutMs === undefined ? {} : { timeoutMs }), ...(ek === undefined ? {} : { encryptionKey: ek }), onProgress: (p) => { j.progress = p }
    }))
    return { status: 202, body: job }
  }

  private job(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const job = this.jobs.get(ctx.params.id ?? '')
    if (job === undefined) throw notFound(`no drive job ${ctx.params.id ?? ''}`)
    const body = { ...job }
    // An encrypted drive's key is shown once: the first read of the finished job carries it, later ones not.
    const r = job.result
    if (job.state === 'done' && typeof r === 'object' && r !== null && 'encryptionKey' in r && r.encryptionKey !== null) job.result = { ...r, encryptionKey: null }
    return Promise.resolve({ status: 200, body })
  }

  private async files(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const listDrive = this.service.listDrive?.bind(this.service)
    if (listDrive === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node does not read drives')
    const key = hexKey(ctx.params.key, 'key')
    const ek = encryptionKey(ctx.url.searchParams.get('encryptionKey') ?? undefined, 'encryptionKey')
    try {
      return { status: 200, body: await listDrive(key, ek === undefined ? {} : { encryptionKey: ek }) }
    } catch (err) {
      const f = failure(err)
      if (f !== null && (f.code === 'NOT_A_DRIVE' || f.code === 'WRONG_KEY' || f.code === 'NOT_ENCRYPTED')) throw new ApiError(400, f.code, f.details)
      throw fromServiceError(err)
    }
  }

  /** An encrypted core or drive of this node: its key the first time it is asked for (`reveal`, default true), then null. */
  private async encryption(ctx: RequestContext): Promise<{ status: number, body: unknown }> {
    const revealKey = this.service.revealKey?.bind(this.service)
    if (revealKey === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node keeps no encryption keys')
    const key = hexKey(ctx.params.key, 'key')
    const body = await ctx.body()
    const o = body === undefined ? {} : objectBody(body, ['reveal'])
    const reveal = o.reveal === undefined ? true : boolean(o.reveal, 'reveal')
    try {
      return { status: 200, body: await revealKey(key, reveal) }
    } catch (err) {
      const f = failure(err)
      if (f !== null && f.code === 'NOT_ENCRYPTED') throw new ApiError(404, 'NOT_ENCRYPTED', f.details)
      throw fromServiceError(err)
    }
  }
}
