// The OpenAPI 3.1 document the daemon serves at `GET /openapi.json`.

type Schema = Record<string, unknown>

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const json = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } })
const ok = (description: string, schema: Schema): Schema => ({ description, ...json(schema) })
const err = (description: string): Schema => ({ description, ...json(ref('Failure')) })
const ERRORS = { 400: err('Invalid parameter or body'), 401: err('Missing or wrong bearer token'), 404: err('Not found') }
const WRITE_ERRORS = { ...ERRORS, 409: err('Refused by the ledger (e.g. not enough favor)'), 413: err('Body larger than 64 KiB'), 415: err('Body is not JSON') }
const q = (name: string, description: string, schema: Schema, extra: Schema = {}): Schema => ({ name, in: 'query', required: false, description, schema, ...extra })
const path = (name: string, description: string, schema: Schema): Schema => ({ name, in: 'path', required: true, description, schema })
const amount: Schema = { type: 'string', pattern: '^[0-9]+$', description: 'micro-favor, decimal string' }
const hex: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: '32-byte key, hex' }
const writeBody = (schema: Schema): Schema => ({ required: true, ...json(schema) })
const security = [{ bearer: [] }]

export function openApiDocument(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Favor node API',
      version,
      description: 'The HTTP API of a Favor daemon. Pins follow the IPFS Pinning Service API with a hypercore key (64 hex characters) in place of a CID; a pin is a hosting request on the Favor ledger. Amounts are micro-favor as decimal strings. Writes need `Authorization: Bearer <token>` (the token is in the node directory, file `api-token`); reads are open when the daemon listens on loopback.'
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Failure: {
          type: 'object', required: ['error'],
          properties: { error: { type: 'object', required: ['reason'], properties: { reason: { type: 'string', examples: ['BAD_REQUEST', 'UNAUTHORIZED', 'NOT_FOUND', 'INSUFFICIENT_FUNDS'] }, details: { type: 'string' } } } }
        },
        Status: { type: 'string', enum: ['queued', 'pinning', 'pinned', 'failed'] },
        Pin: {
          type: 'object', required: ['cid'],
          properties: {
            cid: { ...hex, description: 'hypercore key, hex' },
            name: { type: 'string', maxLength: 255 },
            origins: { type: 'array', items: { type: 'string' }, maxItems: 20 },
            meta: { type: 'object', additionalProperties: { type: 'string' } },
            replicas: { type: 'integer', minimum: 1, maximum: 16, description: 'Favor extension: replicas (default 2)' },
            until: { type: 'integer', minimum: 0, description: 'Favor extension: last epoch hosted' },
            maxPrice: { ...amount, description: 'Favor extension: highest price accepted, micro-favor per GiB-hour' }
          }
        },
        PinStatus: {
          type: 'object', required: ['requestid', 'status', 'created', 'pin', 'delegates'],
          properties: {
            requestid: { type: 'string', description: 'the ledger request id' },
            status: ref('Status'),
            created: { type: 'string', format: 'date-time' },
            pin: ref('Pin'),
            delegates: { type: 'array', items: { type: 'string' }, minItems: 1, description: '/favor/hoster/<account> of the hosters serving it' },
            info: { type: 'object', description: 'requestId, replicas, until, slots, agreements; `reason` when failed, `waiting` when queued/pinning' }
          }
        },
        PinResults: { type: 'object', required: ['count', 'results'], properties: { count: { type: 'integer' }, results: { type: 'array', items: ref('PinStatus') } } },
        Account: {
          type: 'object',
          properties: {
            id: hex, me: { type: 'boolean' }, writer: { type: 'boolean' }, indexer: { type: 'boolean' },
            balance: amount, credit: amount, lines: amount, available: amount, heldBack: amount,
            given: { type: 'string', description: 'byte-seconds hosted and proven' },
            received: { type: 'string', description: 'byte-seconds of this account\'s data hosted' },
            reputationPpm: { type: 'integer' }, reputation: { type: 'number' },
            hoster: { type: ['object', 'null'] }
          }
        },
        Agreement: { type: 'object', description: 'A ledger agreement (src/ledger/state.ts Agreement); bigints as decimal strings' },
        Epoch: { type: 'object', description: 'An epoch with its settlement summary, report outcome counts and latencies' },
        Ok: { type: 'object', properties: { ok: { type: 'boolean' } } }
      }
    },
    paths: {
      '/pins': {
        get: {
          summary: 'List pins (default: only pinned)',
          parameters: [
            q('cid', 'comma-separated hypercore keys (hex), up to 10', { type: 'string' }),
            q('name', 'pin name', { type: 'string' }),
            q('match', 'how name is matched', { type: 'string', enum: ['exact', 'iexact', 'partial', 'ipartial'], default: 'exact' }),
            q('status', 'comma-separated statuses', { type: 'string', default: 'pinned' }),
            q('before', 'created before (ISO 8601)', { type: 'string', format: 'date-time' }),
            q('after', 'created after (ISO 8601)', { type: 'string', format: 'date-time' }),
            q('limit', 'page size', { type: 'integer', minimum: 1, maximum: 1000, default: 10 }),
            q('meta', 'JSON object; pins whose meta has all these entries', { type: 'string' })
          ],
          responses: { 200: ok('Matching pins, newest first; count is the total', ref('PinResults')), ...ERRORS }
        },
        post: {
          summary: 'Pin a hypercore: post a hosting request',
          security,
          requestBody: writeBody(ref('Pin')),
          responses: { 202: ok('Accepted', ref('PinStatus')), ...WRITE_ERRORS }
        }
      },
      '/pins/{requestid}': {
        parameters: [path('requestid', 'request id', { type: 'string', pattern: '^[1-9][0-9]*$' })],
        get: { summary: 'Get a pin', responses: { 200: ok('The pin', ref('PinStatus')), ...ERRORS } },
        post: { summary: 'Replace a pin: cancels it and creates a new request', security, requestBody: writeBody(ref('Pin')), responses: { 202: ok('The new pin', ref('PinStatus')), ...WRITE_ERRORS } },
        delete: { summary: 'Remove a pin (cancels the request)', security, responses: { 202: { description: 'Removed' }, ...WRITE_ERRORS } }
      },
      '/status': { get: { summary: 'This node', responses: { 200: ok('Status', { type: 'object' }) } } },
      '/accounts': { get: { summary: 'Accounts', parameters: [q('hosters', 'only accounts with an offer', { type: 'boolean' })], responses: { 200: ok('Accounts', { type: 'object', properties: { count: { type: 'integer' }, results: { type: 'array', items: ref('Account') } } }), ...ERRORS } } },
      '/accounts/{id}': { get: { summary: 'An account (id hex or `me`)', parameters: [path('id', 'account id or me', { type: 'string' })], responses: { 200: ok('Account', ref('Account')), ...ERRORS } } },
      '/statements/{account}': { get: { summary: 'A balance statement for an account (hex or `me`): base64 of the file `favor statement verify` checks offline', parameters: [path('account', 'account id or me', { type: 'string' })], responses: { 200: ok('Statement', { type: 'object', properties: { account: hex, network: hex, bytes: { type: 'integer' }, statement: { type: 'string', description: 'base64' } } }), ...ERRORS } } },
      '/agreements': {
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
      },
      '/agreements/{id}': { get: { summary: 'An agreement', parameters: [path('id', 'agreement id', { type: 'integer' })], responses: { 200: ok('Agreement', ref('Agreement')), ...ERRORS } } },
      '/epochs': { get: { summary: 'Recent epochs, newest first', parameters: [q('limit', 'most results (default 24)', { type: 'integer' }), q('before', 'epochs below this number', { type: 'integer' })], responses: { 200: ok('Epochs', { type: 'object' }), ...ERRORS } } },
      '/epochs/{n}': { get: { summary: 'An epoch with its attestations', parameters: [path('n', 'epoch number', { type: 'integer' })], responses: { 200: ok('Epoch', ref('Epoch')), ...ERRORS } } },
      '/reports': { get: { summary: 'Challenge reports on the ledger (results) and the challenges this node ran (local)', parameters: [q('epoch', 'epoch', { type: 'integer' }), q('agreement', 'agreement id', { type: 'integer' }), q('limit', 'most results', { type: 'integer' })], responses: { 200: ok('Reports', { type: 'object' }), ...ERRORS } } },
      '/history': { get: { summary: 'Balances and reputation of every account at each epoch this daemon saw', responses: { 200: ok('History', { type: 'object' }) } } },
      '/events': { get: { summary: 'Server-sent events: hello, ledger, epoch, challenge, mirror; heartbeat comments', responses: { 200: { description: 'text/event-stream', content: { 'text/event-stream': { schema: { type: 'string' } } } } } } },
      '/openapi.json': { get: { summary: 'This document', responses: { 200: ok('OpenAPI 3.1', { type: 'object' }) } } },
      '/offer': { post: { summary: 'Offer storage as a hoster', security, requestBody: writeBody({ type: 'object', properties: { capacity: { type: ['string', 'integer'], description: "bytes or a size like '10GiB'" }, group: { type: 'string' } } }), responses: { 202: ok('Offered', ref('Ok')), ...WRITE_ERRORS } } },
      '/withdraw': { post: { summary: 'Withdraw the offer (graceful exit)', security, responses: { 202: ok('Withdrawn', ref('Ok')), ...WRITE_ERRORS } } },
      '/transfer': { post: { summary: 'Transfer favor', security, requestBody: writeBody({ type: 'object', required: ['to', 'amount'], properties: { to: hex, amount } }), responses: { 202: ok('Done', ref('Ok')), ...WRITE_ERRORS } } },
      '/sponsor': { post: { summary: 'Open a sponsor line', security, requestBody: writeBody({ type: 'object', required: ['to', 'amount'], properties: { to: hex, amount } }), responses: { 202: ok('Done', ref('Ok')), ...WRITE_ERRORS } } },
      '/writers': { post: { summary: 'Admit a writer to the ledger', security, requestBody: writeBody({ type: 'object', required: ['key'], properties: { key: hex, indexer: { type: 'boolean' } } }), responses: { 202: ok('Admitted', ref('Ok')), ...WRITE_ERRORS } } },
      '/ledger/verify': { post: { summary: 'Replay the ledger from the writers\' logs and compare', security, responses: { 200: ok('Verify report', { type: 'object' }), ...WRITE_ERRORS } } }
    }
  }
}
