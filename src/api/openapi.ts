// The OpenAPI 3.0.3 document the daemon serves at `GET /openapi.json`: the IPFS Pinning Service API in
// the upstream spec's shapes (src/api/openapi-pins.ts), then Favor's own endpoints, each tagged `favor`,
// marked `x-favor: true` and described as a Favor addition.
import { favorAddition, PIN_PARAMETERS, PIN_PATHS, PIN_RESPONSES, PIN_SCHEMAS, schemaRef } from './openapi-pins.js'
import type { Schema } from './openapi-pins.js'
import { DRIVE_PATHS, DRIVE_SCHEMAS } from './openapi-drives.js'

const ref = schemaRef
const json = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } })
const ok = (description: string, schema: Schema): Schema => ({ description, ...json(schema) })
const errRef = (name: string): Schema => ({ $ref: `#/components/responses/${name}` })
const ERRORS = { 400: errRef('BadRequest'), 401: errRef('Unauthorized'), 404: errRef('NotFound'), '4XX': errRef('CustomServiceError'), '5XX': errRef('InternalServerError') }
const WRITE_ERRORS = { ...ERRORS, 409: errRef('InsufficientFunds') }
const q = (name: string, description: string, schema: Schema, extra: Schema = {}): Schema => ({ name, in: 'query', required: false, description, schema, ...extra })
const path = (name: string, description: string, schema: Schema): Schema => ({ name, in: 'path', required: true, description, schema })
const amount: Schema = { type: 'string', pattern: '^[0-9]+$', description: 'micro-favor, decimal string' }
const hex: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: '32-byte key, hex' }
const writeBody = (schema: Schema): Schema => ({ required: true, ...json(schema) })
/** Favor's reads also accept the dashboard's session cookie. */
const readSecurity = [{ accessToken: [] }, { dashboardSession: [] }]

type Operation = Schema & { summary: string, responses?: Schema }

/** Tags, marks and prefixes a Favor endpoint's operations. */
function favorPath(item: Record<string, Operation>, ids: Record<string, string>): Schema {
  const out: Schema = {}
  for (const [method, op] of Object.entries(item)) {
    const id = ids[method]
    if (id === undefined) throw new Error(`openapi: no operationId for ${method} ${op.summary}`)
    out[method] = {
      operationId: id, tags: ['favor'], ...favorAddition(op.summary),
      ...(method === 'get' ? { security: readSecurity } : {}),
      ...op,
      responses: { 401: errRef('Unauthorized'), '4XX': errRef('CustomServiceError'), '5XX': errRef('InternalServerError'), ...op.responses }
    }
  }
  return out
}

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.0.3',
    info: {
      title: 'Favor node API',
      version,
      description: 'The HTTP API of a Favor daemon. The `pins` operations follow the IPFS Pinning Service API with a hypercore key (64 hex characters) in place of a CID; a pin is a hosting request on the Favor ledger. Operations tagged `favor` (and marked `x-favor: true`) are Favor additions, not part of the Pinning Service API. Amounts are micro-favor as decimal strings. Every call needs `Authorization: Bearer <token>` (the token is in the node directory, file `api-token`); the dashboard\'s reads use a session cookie instead, set by the one-time link that `favor start` prints.'
    },
    servers: [{ url: '/' }],
    tags: [
      { name: 'pins', description: 'IPFS Pinning Service API' },
      { name: 'favor', description: 'Favor additions: the node, the ledger, events and the dashboard login', 'x-favor': true }
    ],
    security: [{ accessToken: [] }],
    components: {
      securitySchemes: {
        accessToken: { type: 'http', scheme: 'bearer', description: 'The daemon\'s API token (`<dir>/api-token`), sent with each request: `Authorization: Bearer <access-token>`' },
        dashboardSession: {
          type: 'apiKey', in: 'cookie', name: 'favor_session_<port>',
          ...favorAddition('the dashboard\'s session cookie (HttpOnly, SameSite=Strict), set by `GET /login?code=`; reads only. The name ends with the daemon\'s port')
        }
      },
      parameters: PIN_PARAMETERS,
      responses: PIN_RESPONSES,
      schemas: {
        ...PIN_SCHEMAS,
        ...DRIVE_SCHEMAS,
        Account: {
          type: 'object',
          properties: {
            id: hex,
            name: { type: 'string', nullable: true, maxLength: 64, description: 'a readable name from this node (its own `--name`, or its address book `<dir>/names.json`); null when it knows none. Not on the ledger' },
            me: { type: 'boolean' }, writer: { type: 'boolean' }, indexer: { type: 'boolean' },
            balance: amount, credit: amount, lines: amount, available: amount, heldBack: amount,
            given: { type: 'string', description: 'byte-seconds hosted and proven' },
            received: { type: 'string', description: 'byte-seconds of this account\'s data hosted' },
            reputationPpm: { type: 'integer' }, reputation: { type: 'number' },
            hoster: { type: 'object', nullable: true }
          }
        },
        Agreement: { type: 'object', description: 'A ledger agreement (src/ledger/state.ts Agreement); bigints as decimal strings' },
        Epoch: { type: 'object', description: 'An epoch with its settlement summary, report outcome counts and latencies' },
        Ok: { type: 'object', properties: { ok: { type: 'boolean' } } },
        StatementLine: {
          type: 'object',
          ...favorAddition('a sponsor line opened from another network\'s statement, and the statement that backed it'),
          properties: {
            to: hex, amount, rate: { type: 'string' }, limit: amount, basis: { type: 'string', enum: ['balance'] }, boundBy: { type: 'string', enum: ['rate', 'limit'] },
            statement: { type: 'object', properties: { network: hex, networkFrom: { type: 'string', enum: ['given', 'file'] }, account: hex, version: { type: 'integer' }, epoch: { type: 'integer' }, epochTime: { type: 'integer', nullable: true }, balance: { type: 'string' }, chainLinks: { type: 'integer' }, bytes: { type: 'integer' }, sha256: { type: 'string' } } },
            created: { type: 'string', format: 'date-time' },
            lineNow: { ...amount, description: 'what is left of the line now (GET only)' },
            warnings: { type: 'array', items: { type: 'string' }, description: 'POST only' }
          }
        }
      }
    },
    paths: {
      ...PIN_PATHS,
      '/status': favorPath({ get: { summary: 'This node', responses: { 200: ok('Status', { type: 'object' }) } } }, { get: 'getStatus' }),
      '/accounts': favorPath({ get: { summary: 'Accounts', parameters: [q('hosters', 'only accounts with an offer', { type: 'boolean' })], responses: { 200: ok('Accounts', { type: 'object', properties: { count: { type: 'integer' }, results: { type: 'array', items: ref('Account') } } }), ...ERRORS } } }, { get: 'getAccounts' }),
      '/accounts/{id}': favorPath({ get: { summary: 'An account (id hex or `me`)', parameters: [path('id', 'account id or me', { type: 'string' })], responses: { 200: ok('Account', ref('Account')), ...ERRORS } } }, { get: 'getAccount' }),
      '/statements/{account}': favorPath({ get: { summary: 'A balance statement for an account (hex or `me`): base64 of the file `favor statement verify` checks offline', parameters: [path('account', 'account id or me', { type: 'string' })], responses: { 200: ok('Statement', { type: 'object', properties: { account: hex, network: hex, bytes: { type: 'integer' }, statement: { type: 'string', description: 'base64' } } }), ...ERRORS } } }, { get: 'getStatement' }),
      '/agreements': favorPath({
        get: {
          summary: 'Agreements, newest first',
          parameters: [
            q('state', 'comma-separated: pinning, active, paused, ended', { type: 'string' }),
            q('hoster', 'account hex or me', { type: 'string' }),
            q('publisher', 'account hex or me', { type: 'string' }),
            q('requestId', 'request id', { type: 'integer' }),
            q('coreKey', 'hypercore key', hex),
            q('live', 'only not ended', { type: 'boolean' }),
            q('limit', 'most results', { type: 'integer', minimum: 1, maximum: 1000 })
          ],
          responses: { 200: ok('Agreements', { type: 'object', properties: { count: { type: 'integer' }, results: { type: 'array', items: ref('Agreement') } } }), ...ERRORS }
        }
      }, { get: 'getAgreements' }),
      '/agreements/{id}': favorPath({ get: { summary: 'An agreement', parameters: [path('id', 'agreement id', { type: 'integer' })], responses: { 200: ok('Agreement', ref('Agreement')), ...ERRORS } } }, { get: 'getAgreement' }),
      '/epochs': favorPath({ get: { summary: 'Recent epochs, newest first', parameters: [q('limit', 'most results (default 24)', { type: 'integer' }), q('before', 'epochs below this number', { type: 'integer' })], responses: { 200: ok('Epochs', { type: 'object' }), ...ERRORS } } }, { get: 'getEpochs' }),
      '/epochs/{n}': favorPath({ get: { summary: 'An epoch with its attestations', parameters: [path('n', 'epoch number', { type: 'integer' })], responses: { 200: ok('Epoch', ref('Epoch')), ...ERRORS } } }, { get: 'getEpoch' }),
      '/reports': favorPath({ get: { summary: 'Challenge reports on the ledger (results) and the challenges this node ran (local)', parameters: [q('epoch', 'epoch', { type: 'integer' }), q('agreement', 'agreement id', { type: 'integer' }), q('limit', 'most results', { type: 'integer' })], responses: { 200: ok('Reports', { type: 'object' }), ...ERRORS } } }, { get: 'getReports' }),
      '/history': favorPath({ get: { summary: 'Balances and reputation of every account at each epoch this daemon saw', responses: { 200: ok('History', { type: 'object' }) } } }, { get: 'getHistory' }),
      '/events': favorPath({ get: { summary: 'Server-sent events: hello, ledger, epoch, challenge, mirror; heartbeat comments', responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } } } }, { get: 'getEvents' }),
      '/offer': favorPath({ post: { summary: 'Offer storage as a hoster', requestBody: writeBody({ type: 'object', properties: { capacity: { oneOf: [{ type: 'string' }, { type: 'integer' }], description: "bytes or a size like '10GiB'" }, group: { type: 'string' } } }), responses: { 202: ok('Offered', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'offer' }),
      '/withdraw': favorPath({ post: { summary: 'Withdraw the offer (graceful exit)', responses: { 202: ok('Withdrawn', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'withdraw' }),
      '/transfer': favorPath({ post: { summary: 'Transfer favor', requestBody: writeBody({ type: 'object', required: ['to', 'amount'], properties: { to: hex, amount } }), responses: { 202: ok('Done', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'transfer' }),
      '/sponsor': favorPath({ post: { summary: 'Open a sponsor line', requestBody: writeBody({ type: 'object', required: ['to', 'amount'], properties: { to: hex, amount } }), responses: { 202: ok('Done', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'sponsor' }),
      '/sponsor/statement': favorPath({ post: { summary: 'Honour a statement of another network: verify it offline, then escrow min(limit, rate × its proven balance) of this node\'s balance as a sponsor line for `to` (an account of this network) and record which statement backed it', requestBody: writeBody({ type: 'object', required: ['to', 'statement', 'rate', 'limit'], properties: { to: hex, statement: { type: 'string', description: 'the statement file, base64' }, rate: { type: 'string', pattern: '^[0-9]{1,4}(\\.[0-9]{1,6})?$', description: 'favor of this network per favor of the other, e.g. 0.5' }, limit: amount, network: { ...hex, description: 'the other network\'s key; without it, the key the file names is trusted (a warning says so)' }, maxAgeMs: { type: 'integer', minimum: 1, description: 'refuse older statements (default one day)' } } }), responses: { 202: ok('The line is open', ref('StatementLine')), ...WRITE_ERRORS } } }, { post: 'sponsorFromStatement' }),
      '/sponsor/statements': favorPath({ get: { summary: 'The lines this node opened from statements, with the statement that backed each and what is left of the line', responses: { 200: ok('Lines', { type: 'object', properties: { lines: { type: 'array', items: ref('StatementLine') } } }), ...ERRORS } } }, { get: 'listStatementLines' }),
      '/set-limit': favorPath({ post: { summary: 'Set the unused part of a sponsor line to exactly `limit` (0 closes it)', requestBody: writeBody({ type: 'object', required: ['to', 'limit'], properties: { to: hex, limit: amount } }), responses: { 202: ok('Done', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'setLimit' }),
      '/writers': favorPath({ post: { summary: 'Admit a writer to the ledger', requestBody: writeBody({ type: 'object', required: ['key'], properties: { key: hex, indexer: { type: 'boolean' } } }), responses: { 202: ok('Admitted', ref('Ok')), ...WRITE_ERRORS } } }, { post: 'admitWriter' }),
      '/invites': favorPath({ post: { summary: 'Create a single-use invite: this account vouches for whoever redeems the code (favor network invite)', requestBody: writeBody({ type: 'object', properties: { credit: amount, expiresEpochs: { type: 'integer', minimum: 1 } } }), responses: { 201: ok('Invite', { type: 'object', required: ['code', 'expiresEpoch', 'credit'], properties: { code: { type: 'string' }, expiresEpoch: { type: 'integer' }, credit: { type: 'string' } } }), ...WRITE_ERRORS } } }, { post: 'createInvite' }),
      '/ledger/verify': favorPath({ post: { summary: 'Replay the ledger from the writers\' logs and compare', responses: { 200: ok('Verify report', { type: 'object' }), ...WRITE_ERRORS } } }, { post: 'verifyLedger' }),
      '/login': favorPath({
        get: {
          summary: 'Dashboard login: trades a one-time code (printed by favor start, or from POST /login-codes) for a session cookie and redirects to /',
          security: [],
          parameters: [q('code', 'the one-time login code', { type: 'string' }, { required: true })],
          responses: { 303: { description: 'Logged in: Set-Cookie favor_session_<port> (HttpOnly, SameSite=Strict, Path=/), Location: /' }, 401: errRef('Unauthorized'), '4XX': errRef('CustomServiceError') }
        }
      }, { get: 'login' }),
      '/login-codes': favorPath({
        post: {
          summary: 'A fresh one-time dashboard login link (bearer token only; `favor dashboard` prints it)',
          responses: { 201: ok('The link and when it expires', { type: 'object', required: ['url', 'expiresAt'], properties: { url: { type: 'string' }, expiresAt: { type: 'string', format: 'date-time' } } }), ...ERRORS }
        }
      }, { post: 'createLoginCode' }),
      ...Object.fromEntries(Object.entries(DRIVE_PATHS).map(([p, { item, ids }]) => [p, favorPath(item, ids)])),
      '/openapi.json': favorPath({ get: { summary: 'This document', responses: { 200: ok('OpenAPI 3.0.3', { type: 'object' }), ...ERRORS } } }, { get: 'getOpenApi' })
    }
  }
}
