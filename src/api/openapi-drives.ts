// The `/drives` endpoints (src/api/handlers/drives.ts) in the OpenAPI document: publishing a folder and
// downloading a drive run as jobs (POST → 202 with the job, GET /drives/jobs/{id} for its progress and
// outcome), a drive's listing, and the encryption-key lookup of a core. Kept apart from openapi.ts, which
// wraps each item as a Favor addition (tag `favor`, `x-favor: true`, the common error responses).
import { schemaRef } from './openapi-pins.js'
import type { Schema } from './openapi-pins.js'

export type DriveOperation = Schema & { summary: string, responses?: Schema }

const json = (schema: Schema): Schema => ({ content: { 'application/json': { schema } } })
const ok = (description: string, schema: Schema): Schema => ({ description, ...json(schema) })
const errRef = (name: string): Schema => ({ $ref: `#/components/responses/${name}` })
const ERRORS = { 400: errRef('BadRequest'), 401: errRef('Unauthorized'), 404: errRef('NotFound'), '4XX': errRef('CustomServiceError'), '5XX': errRef('InternalServerError') }
const hex: Schema = { type: 'string', pattern: '^[0-9a-fA-F]{64}$', description: '32-byte key, hex' }
const absolute = (description: string): Schema => ({ type: 'string', maxLength: 4096, description: `${description}: an absolute path on the daemon's machine` })
const keyParam: Schema = { name: 'key', in: 'path', required: true, description: 'the drive key (the metadata core\'s key), hex', schema: hex }

export const DRIVE_SCHEMAS: Record<string, Schema> = {
  DriveProgress: {
    type: 'object',
    properties: {
      phase: { type: 'string', enum: ['scan', 'import', 'publish', 'download'] },
      doneBytes: { type: 'integer' }, totalBytes: { type: 'integer' }, doneFiles: { type: 'integer' }, totalFiles: { type: 'integer' }
    }
  },
  DriveJob: {
    type: 'object',
    required: ['id', 'kind', 'state'],
    properties: {
      id: { type: 'string' },
      kind: { type: 'string', enum: ['publish', 'download'] },
      state: { type: 'string', enum: ['running', 'done', 'failed'] },
      progress: { allOf: [schemaRef('DriveProgress')], nullable: true },
      result: {
        nullable: true,
        oneOf: [schemaRef('PublishedDrive'), { type: 'object', properties: { version: { type: 'integer' }, files: { type: 'integer' }, bytes: { type: 'integer' } } }],
        description: 'when done: a PublishedDrive (publish) or {version, files, bytes} (download)'
      },
      error: {
        type: 'object', nullable: true,
        properties: { code: { type: 'string', description: 'stable: PATH_NOT_FOUND, SYMLINK_LOOP, UNREADABLE, UNSUPPORTED_FILE, FILE_CHANGED, FILE_VANISHED, BAD_PATH, NOT_A_DRIVE, WRONG_KEY, NOT_ENCRYPTED, OUT_EXISTS, NOT_FOUND, …' }, status: { type: 'integer' }, details: { type: 'string' } }
      }
    }
  },
  PublishedDrive: {
    type: 'object',
    properties: {
      driveKey: hex, requestId: { type: 'integer' }, version: { type: 'integer' }, files: { type: 'integer' }, bytes: { type: 'integer' },
      added: { type: 'integer' }, deleted: { type: 'integer' }, unchanged: { type: 'integer' },
      newRequest: { type: 'boolean', description: 'false: the live request follows the drive through grow' },
      cores: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string', enum: ['metadata', 'blobs'] }, key: hex, length: { type: 'integer' }, byteLength: { type: 'integer', description: 'as hosters store it (an encrypted core\'s padding included)' } } } },
      encrypted: { type: 'boolean' },
      encryptionKey: { type: 'string', nullable: true, description: 'hex; in the first read of the first publish\'s finished job only (shown once)' },
      keyFile: { type: 'string', nullable: true }
    }
  },
  DriveListing: {
    type: 'object',
    properties: {
      version: { type: 'integer' },
      files: { type: 'array', items: { type: 'object', properties: { path: { type: 'string' }, size: { type: 'integer' }, executable: { type: 'boolean' } } } }
    }
  },
  EncryptionInfo: {
    type: 'object',
    properties: {
      kind: { type: 'string', enum: ['drive', 'core'] }, unit: hex,
      encryptionKey: { type: 'string', nullable: true, description: 'hex, the first time it is asked for with reveal; null afterwards' },
      keyFile: { type: 'string' }
    }
  }
}

const job = (description: string): Schema => ({ 202: ok(description, schemaRef('DriveJob')), ...ERRORS })

/** path → (method → operation) and (method → operationId). */
export const DRIVE_PATHS: Record<string, { item: Record<string, DriveOperation>, ids: Record<string, string> }> = {
  '/drives/publish': {
    item: {
      post: {
        summary: 'Import a folder (or a file) into a drive of this node and request hosting for all its cores as one pin; runs as a job',
        requestBody: {
          required: true,
          ...json({
            type: 'object', required: ['path'], additionalProperties: false,
            properties: {
              path: absolute('the folder or file'),
              replicas: { type: 'integer', minimum: 1, maximum: 16 },
              name: { type: 'string', description: 'the pin\'s name (default: the path)' },
              until: { type: 'integer', minimum: 0, description: 'last epoch hosted' },
              encrypt: { type: 'boolean', description: 'blind hosting: hypercore block encryption, the key kept by this node' }
            }
          })
        },
        responses: job('The job, running')
      }
    },
    ids: { post: 'publishFolder' }
  },
  '/drives/download': {
    item: {
      post: {
        summary: 'Download a drive from the network into a new (or empty) folder; runs as a job',
        requestBody: {
          required: true,
          ...json({
            type: 'object', required: ['key', 'out'], additionalProperties: false,
            properties: {
              key: hex,
              out: absolute('the output folder'),
              timeoutMs: { type: 'integer', minimum: 1, maximum: 3_600_000 },
              encryptionKey: { ...hex, description: 'an encrypted drive\'s key, hex' }
            }
          })
        },
        responses: job('The job, running')
      }
    },
    ids: { post: 'downloadDrive' }
  },
  '/drives/jobs/{id}': {
    item: {
      get: {
        summary: 'A drive job: its progress, then its result or its failure (with a stable code)',
        parameters: [{ name: 'id', in: 'path', required: true, description: 'job id', schema: { type: 'string' } }],
        responses: { 200: ok('The job', schemaRef('DriveJob')), ...ERRORS }
      }
    },
    ids: { get: 'getDriveJob' }
  },
  '/drives/{key}/files': {
    item: {
      get: {
        summary: 'The files of a drive found on the network',
        parameters: [keyParam, { name: 'encryptionKey', in: 'query', required: false, description: 'an encrypted drive\'s key, hex', schema: hex }],
        responses: { 200: ok('The listing', schemaRef('DriveListing')), ...ERRORS }
      }
    },
    ids: { get: 'listDriveFiles' }
  },
  '/cores/{key}/encryption': {
    item: {
      post: {
        summary: 'Whether a core (or drive) is one of this node\'s encrypted ones; its key once, with reveal (default true)',
        parameters: [{ ...keyParam, description: 'a core or drive key, hex' }],
        requestBody: { required: false, ...json({ type: 'object', additionalProperties: false, properties: { reveal: { type: 'boolean' } } }) },
        responses: { 200: ok('What the node knows of the key', schemaRef('EncryptionInfo')), ...ERRORS }
      }
    },
    ids: { post: 'coreEncryption' }
  }
}
