// The IPFS Pinning Service API part of `/openapi.json`, in the shapes of the upstream spec
// (ipfs/pinning-services-api-spec, ipfs-pinning-service.yaml, OpenAPI 3.0.3): the same operationIds,
// parameters, schemas and responses. Where Favor differs it says so: `cid` is a hypercore key, and the
// Pin fields `replicas`, `until`, `maxPrice` are Favor additions (marked `x-favor: true`).

export type Schema = Record<string, unknown>

export const schemaRef = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })
const responseRef = (name: string): Schema => ({ $ref: `#/components/responses/${name}` })
const paramRef = (name: string): Schema => ({ $ref: `#/components/parameters/${name}` })
const jsonOf = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } })

/** Marks a Favor addition to the Pinning Service API. */
export const favorAddition = (description: string): Schema => ({ description: `Favor addition: ${description}`, 'x-favor': true })

/** The spec's error responses, as every pin operation lists them. */
export const PIN_ERRORS: Schema = {
  400: responseRef('BadRequest'),
  401: responseRef('Unauthorized'),
  404: responseRef('NotFound'),
  409: responseRef('InsufficientFunds'),
  '4XX': responseRef('CustomServiceError'),
  '5XX': responseRef('InternalServerError')
}

const failure = (description: string, reason: string, details: string): Schema => ({
  description,
  content: { 'application/json': { schema: schemaRef('Failure'), example: { error: { reason, details } } } }
})

export const PIN_RESPONSES: Schema = {
  BadRequest: failure('Error response (Bad request)', 'BAD_REQUEST', 'Explanation for humans with more details'),
  Unauthorized: failure('Error response (Unauthorized; access token is missing or invalid)', 'UNAUTHORIZED', 'Access token is missing or invalid'),
  NotFound: failure('Error response (The specified resource was not found)', 'NOT_FOUND', 'The specified resource was not found'),
  InsufficientFunds: failure('Error response (Insufficient funds)', 'INSUFFICIENT_FUNDS', 'Unable to process request due to the lack of funds'),
  CustomServiceError: failure('Error response (Custom service error)', 'CONFLICT', 'Optional explanation for humans with more details'),
  InternalServerError: failure('Error response (Unexpected internal server error)', 'INTERNAL_SERVER_ERROR', 'Explanation for humans with more details')
}

const dateTime: Schema = { type: 'string', format: 'date-time' }

export const PIN_SCHEMAS: Schema = {
  PinResults: {
    description: 'Response used for listing pin objects matching request',
    type: 'object', required: ['count', 'results'],
    properties: {
      count: { description: 'The total number of pin objects that exist for passed query filters', type: 'integer', format: 'int32', minimum: 0 },
      results: { description: 'An array of PinStatus results', type: 'array', items: schemaRef('PinStatus'), uniqueItems: true, minItems: 0, maxItems: 1000 }
    }
  },
  PinStatus: {
    description: 'Pin object with status',
    type: 'object', required: ['requestid', 'status', 'created', 'pin', 'delegates'],
    properties: {
      requestid: { description: 'Globally unique identifier of the pin request (in Favor: the ledger request id, decimal)', type: 'string' },
      status: schemaRef('Status'),
      created: { ...dateTime, description: 'Immutable timestamp indicating when a pin request entered a pinning service' },
      pin: schemaRef('Pin'),
      delegates: schemaRef('Delegates'),
      info: schemaRef('StatusInfo')
    }
  },
  Pin: {
    description: 'Pin object',
    type: 'object', required: ['cid'],
    properties: {
      cid: { description: 'In Favor: the hypercore key to host, 64 hex characters (where the spec has a CID)', type: 'string', pattern: '^[0-9a-fA-F]{64}$' },
      name: { description: 'Optional name for pinned data; can be used for lookups later', type: 'string', maxLength: 255 },
      origins: schemaRef('Origins'),
      meta: schemaRef('PinMeta'),
      replicas: { type: 'integer', minimum: 1, maximum: 16, default: 2, ...favorAddition('how many hosters keep a copy') },
      until: { type: 'integer', minimum: 0, ...favorAddition('the last epoch the core is hosted') },
      maxPrice: { type: 'string', pattern: '^[0-9]+$', ...favorAddition('the highest price accepted, micro-favor per GiB-hour, decimal string') }
    }
  },
  Status: { description: 'Status a pin object can have at a pinning service', type: 'string', enum: ['queued', 'pinning', 'pinned', 'failed'] },
  Delegates: {
    description: 'List of multiaddrs designated by pinning service that will receive the pin data (in Favor: /favor/hoster/<account> of the hosters serving it, or /favor/network/<key> before any)',
    type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 1, maxItems: 20
  },
  Origins: { description: 'Optional list of multiaddrs known to provide the data', type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 0, maxItems: 20 },
  PinMeta: { description: 'Optional metadata for pin object', type: 'object', additionalProperties: { type: 'string', minProperties: 0, maxProperties: 1000 } },
  StatusInfo: {
    description: 'Optional info for PinStatus response. Favor fills status_details, requestId, state, replicas, until, slots, slotsFilled, activeReplicas and agreements, and when open slots cannot be filled unfilled (NO_HOSTERS, NO_ELIGIBLE_HOSTER or CREDIT) and blockedSlots, with status_details saying why and what would fill them; all strings',
    type: 'object', additionalProperties: { type: 'string', minProperties: 0, maxProperties: 1000 }
  },
  TextMatchingStrategy: { description: 'Alternative text matching strategy', type: 'string', default: 'exact', enum: ['exact', 'iexact', 'partial', 'ipartial'] },
  Failure: {
    description: 'Response for a failed request',
    type: 'object', required: ['error'],
    properties: {
      error: {
        type: 'object', required: ['reason'],
        properties: {
          reason: { type: 'string', description: 'Mandatory string identifying the type of error', example: 'ERROR_CODE_FOR_MACHINES' },
          details: { type: 'string', description: 'Optional, longer description of the error' }
        }
      }
    }
  }
}

export const PIN_PARAMETERS: Schema = {
  before: { description: 'Return results created (queued) before provided timestamp', name: 'before', in: 'query', required: false, schema: dateTime },
  after: { description: 'Return results created (queued) after provided timestamp', name: 'after', in: 'query', required: false, schema: dateTime },
  limit: { description: 'Max records to return', name: 'limit', in: 'query', required: false, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 1000, default: 10 } },
  cid: {
    description: 'Return pin objects responsible for pinning the specified CID(s) (in Favor: hypercore keys, hex)', name: 'cid', in: 'query', required: false,
    schema: { type: 'array', items: { type: 'string' }, uniqueItems: true, minItems: 1, maxItems: 10 }, style: 'form', explode: false
  },
  name: { description: 'Return pin objects with specified name (by default a case-sensitive, exact match)', name: 'name', in: 'query', required: false, schema: { type: 'string', maxLength: 255 } },
  match: { description: 'Customize the text matching strategy applied when the name filter is present', name: 'match', in: 'query', required: false, schema: schemaRef('TextMatchingStrategy') },
  status: {
    description: 'Return pin objects for pins with the specified status (when missing, service should default to pinned only)', name: 'status', in: 'query', required: false,
    schema: { type: 'array', items: schemaRef('Status'), uniqueItems: true, minItems: 1 }, style: 'form', explode: false
  },
  meta: {
    description: 'Return pin objects that match specified metadata keys passed as a string representation of a JSON object', name: 'meta', in: 'query', required: false,
    content: { 'application/json': { schema: schemaRef('PinMeta') } }
  }
}

const pinStatusOk = (description: string, status: number): Schema => ({ [status]: { description, ...jsonOf(schemaRef('PinStatus')) } })
const pinBody: Schema = { required: true, ...jsonOf(schemaRef('Pin')) }

export const PIN_PATHS: Schema = {
  '/pins': {
    get: {
      operationId: 'getPins', summary: 'List pin objects', tags: ['pins'],
      description: 'List all the pin objects, matching optional filters; when no filter is provided, only successful pins are returned',
      parameters: ['cid', 'name', 'match', 'status', 'before', 'after', 'limit', 'meta'].map(paramRef),
      responses: { 200: { description: 'Successful response (PinResults object)', ...jsonOf(schemaRef('PinResults')) }, ...PIN_ERRORS }
    },
    post: {
      operationId: 'addPin', summary: 'Add pin object', tags: ['pins'],
      description: 'Add a new pin object for the current access token (in Favor: a hosting request on the ledger)',
      requestBody: pinBody,
      responses: { ...pinStatusOk('Successful response (PinStatus object)', 202), ...PIN_ERRORS }
    }
  },
  '/pins/{requestid}': {
    parameters: [{ name: 'requestid', in: 'path', required: true, schema: { type: 'string' } }],
    get: {
      operationId: 'getPinByRequestId', summary: 'Get pin object', description: 'Get a pin object and its status', tags: ['pins'],
      responses: { ...pinStatusOk('Successful response (PinStatus object)', 200), ...PIN_ERRORS }
    },
    post: {
      operationId: 'replacePinByRequestId', summary: 'Replace pin object', tags: ['pins'],
      description: 'Replace an existing pin object (in Favor: a new hosting request, then the old one is cancelled)',
      requestBody: pinBody,
      responses: { ...pinStatusOk('Successful response (PinStatus object)', 202), ...PIN_ERRORS }
    },
    delete: {
      operationId: 'deletePinByRequestId', summary: 'Remove pin object', description: 'Remove a pin object (in Favor: cancels the hosting request)', tags: ['pins'],
      responses: { 202: { description: 'Successful response (no body, pin removed)' }, ...PIN_ERRORS }
    }
  }
}
