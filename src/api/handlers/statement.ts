// GET /statements/:account — a balance statement for an account ('me' = this node's), as base64 in
// JSON: the file `favor statement verify` checks offline (docs/statements.md).
import { ApiError, badRequest } from '../errors.js'
import type { RequestContext, Router } from '../router.js'
import type { FavorService } from '../service.js'
import { hexKey } from '../validate.js'

type Result = { status: number, body: unknown }

function codeOf(err: unknown): string {
  return typeof err === 'object' && err !== null && 'code' in err ? String(err.code) : ''
}

export class StatementApi {
  constructor(private readonly service: FavorService) {}

  register(router: Router): void {
    router.get('/statements/:account', (ctx) => this.get(ctx))
  }

  private async get(ctx: RequestContext): Promise<Result> {
    const raw = ctx.params.account ?? ''
    const account = raw === 'me' ? this.service.account : hexKey(raw, 'account')
    if (this.service.statement === undefined) throw new ApiError(503, 'SERVICE_UNAVAILABLE', 'this node cannot make statements')
    let bytes: Uint8Array
    try {
      bytes = await this.service.statement(account)
    } catch (err) {
      const code = codeOf(err)
      const msg = err instanceof Error ? err.message : String(err)
      if (code === 'NO_SUCH_ACCOUNT') throw new ApiError(404, 'NOT_FOUND', msg)
      if (code === 'NOT_READY') throw new ApiError(503, 'SERVICE_UNAVAILABLE', msg)
      if (code === 'MALFORMED') throw badRequest(msg)
      throw err
    }
    return {
      status: 200,
      body: { account, network: this.service.networkKey, bytes: bytes.byteLength, statement: Buffer.from(bytes).toString('base64') }
    }
  }
}
