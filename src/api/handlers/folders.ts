// Shared folders (src/folder): `favor folder …` talks to these. Paths of local files are on the
// daemon's machine (the CLI sends them absolute); folder paths are '/'-separated inside the folder.
// A folder is named by its key (hex, or a prefix of 8+ characters) or by its name on this node.
import { isAbsolute } from 'node:path'
import { FolderError } from '../../folder/errors.js'
import type { NodeFolders } from '../../folder/node-folders.js'
import { ApiError, badRequest, fromServiceError, type ApiReason } from '../errors.js'
import type { RequestContext, Router } from '../router.js'
import { integer, objectBody, optionalString } from '../validate.js'

const MAX_PATH = 4096

/** The HTTP status of each folder error code. */
const STATUS: Record<string, number> = {
  BAD_PATH: 400, BAD_INVITE: 400, NOT_FOUND: 404, NO_FOLDER: 404, NO_SUCH_VERSION: 404, BLOB_UNAVAILABLE: 504, JOIN_TIMEOUT: 504,
  IN_CONFLICT: 409, NOT_IN_CONFLICT: 409, NOT_A_MEMBER: 403, INVITE_UNKNOWN: 403, INVITE_USED: 409, FOLDER_EXISTS: 409, HOSTING_REFUSED: 409, HOSTING_TIMEOUT: 504
}

function apiError(err: unknown): ApiError {
  if (err instanceof FolderError) return new ApiError(STATUS[err.code] ?? 400, err.code as ApiReason, err.message)
  return fromServiceError(err)
}

function required(value: unknown, field: string): string {
  const s = optionalString(value, field, MAX_PATH)
  if (s === undefined || s === '') throw badRequest(`${field}: required`)
  return s
}

function absolute(value: unknown, field: string): string {
  const p = required(value, field)
  if (!isAbsolute(p)) throw badRequest(`${field}: an absolute path on the daemon's machine`)
  return p
}

export class FoldersApi {
  constructor(private readonly folders: () => NodeFolders | undefined) {}

  register(router: Router): void {
    const route = (fn: (f: NodeFolders, ctx: RequestContext) => Promise<unknown>, status = 200) => async (ctx: RequestContext) => {
      const f = this.folders()
      if (f === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node has no shared folders')
      try {
        return { status, body: await fn(f, ctx) }
      } catch (err) {
        throw apiError(err)
      }
    }
    const ref = (ctx: RequestContext): string => required(ctx.params.ref, 'folder')
    const body = async (ctx: RequestContext, allowed: string[]) => objectBody(await ctx.body() ?? {}, allowed)
    router.get('/folders', route((f) => f.list()))
    router.post('/folders', route(async (f, ctx) => f.create(required((await body(ctx, ['name'])).name, 'name')), 201))
    router.post('/folders/join', route(async (f, ctx) => {
      const o = await body(ctx, ['invite', 'name'])
      return f.join(required(o.invite, 'invite'), optionalString(o.name, 'name', 256))
    }))
    router.get('/folders/:ref', route((f, ctx) => f.files(ref(ctx))))
    router.get('/folders/:ref/log', route((f, ctx) => f.log(ref(ctx))))
    router.get('/folders/:ref/cores', route((f, ctx) => f.cores(ref(ctx))))
    router.post('/folders/:ref/invite', route(async (f, ctx) => ({ invite: await f.invite(ref(ctx)) })))
    router.post('/folders/:ref/add', route(async (f, ctx) => {
      const o = await body(ctx, ['path', 'as'])
      return { changes: await f.add(ref(ctx), absolute(o.path, 'path'), optionalString(o.as, 'as', MAX_PATH)) }
    }))
    router.post('/folders/:ref/get', route(async (f, ctx) => f.download(ref(ctx), absolute((await body(ctx, ['out'])).out, 'out'))))
    router.post('/folders/:ref/rm', route(async (f, ctx) => f.remove(ref(ctx), required((await body(ctx, ['path'])).path, 'path'))))
    router.post('/folders/:ref/resolve', route(async (f, ctx) => {
      const o = await body(ctx, ['path', 'keep'])
      return f.resolve(ref(ctx), required(o.path, 'path'), required(o.keep, 'keep'))
    }))
    for (const op of ['mv', 'cp'] as const) {
      router.post(`/folders/:ref/${op}`, route(async (f, ctx) => {
        const o = await body(ctx, ['from', 'to'])
        return f.move(ref(ctx), required(o.from, 'from'), required(o.to, 'to'), op === 'cp')
      }))
    }
    router.post('/folders/:ref/host', route(async (f, ctx) => {
      const o = await body(ctx, ['replicas'])
      return { requests: await f.host(ref(ctx), o.replicas === undefined ? 1 : integer(o.replicas, 'replicas', 1, 16)) }
    }))
  }
}
