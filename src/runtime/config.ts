// Node configuration from three sources, in the Vite style:
//   UserConfig     — what a person writes in `<dataDir>/config.json` (every field optional),
//   InlineConfig   — what flags add (the CLI parses argv into this and calls resolveConfig),
//   ResolvedConfig — the complete, validated, frozen whole the node runs with.
// Precedence per field: flags > environment (FAVOR_*) > file > defaults. Every value from every
// source is validated, and each problem names the field as the user wrote it and where it came from.
// This module never reads process.env: the caller passes `env` in.
import { readFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import {
  CONFIG_FILE_NAME, DEFAULT_API_HOST, DEFAULT_API_PORT, DEFAULT_DATA_DIR_NAME, DEFAULT_EPOCH_SECONDS,
  DEFAULT_HOSTER_CAPACITY_BYTES, DEFAULT_LOG_LEVEL, DEFAULT_MAX_CONNECTIONS, DEFAULT_MAX_TRANSFERS,
  DEFAULT_NODE_NAME, MAX_EPOCH_SECONDS
} from './constants.js'
import { parseFavor } from '../ledger/amount.js'
import { ConfigError } from './errors.js'
import type { ConfigIssue, ConfigSource } from './errors.js'
import { LOG_LEVELS } from './logger.js'
import type { LogThreshold } from './logger.js'

export interface BootstrapNode {
  readonly host: string
  readonly port: number
}

/** What a user writes in the config file. Every field is optional. */
export interface UserConfig {
  /** The node's directory (state, keys, task queue). Default `~/.favor`. */
  dataDir?: string
  /** Readable node name; also the log prefix. */
  name?: string
  api?: {
    /** Default 127.0.0.1 (loopback only). */
    host?: string
    /** 0–65535; 0 picks a free port. */
    port?: number
  }
  network?: {
    /** DHT bootstrap nodes, as `{ host, port }` or `"host:port"`. Empty: the public bootstrap. */
    bootstrap?: ReadonlyArray<BootstrapNode | string>
    /** The network's key, 64 hex characters; null or absent before joining one. */
    key?: string | null
    /** Create a new network at the next start when the node is in none (`favor network create`). */
    create?: boolean
    /** The invite code (hex) presented to the network's writers when joining (`favor network join --invite`). */
    invite?: string | null
  }
  hoster?: {
    /** Bytes offered for hosting: an integer or a size such as `"20GiB"`, `"500 MB"`. 0: not a hoster. */
    capacityBytes?: number | string
    /** Operator or failure domain (DESIGN §3); no two replicas of one core in one group. */
    group?: string | null
  }
  /** Seconds per epoch (a genesis parameter: used when this node creates the network). */
  epochSeconds?: number
  /** Passing epochs before a new hoster is vetted (genesis; null: the ledger's default, 24). */
  unvettedEpochs?: number | null
  /**
   * The founder's credit (genesis: this node's own credit line when it creates the network): a favor amount
   * ("1000", "2.5") or micro-favor ("2500000u"); null: the ledger's default, 1000 favor.
   */
  founderCredit?: string | null
  logLevel?: LogThreshold
  limits?: {
    /** Concurrent peer connections. */
    connections?: number
    /** Concurrent core transfers. */
    transfers?: number
  }
}

/** What flags add. `configFile`: a config file path to read, or false to read none. */
export interface InlineConfig extends UserConfig {
  configFile?: string | false
}

/** The complete configuration, validated and frozen. */
export interface ResolvedConfig {
  readonly dataDir: string
  readonly name: string
  readonly api: { readonly host: string, readonly port: number }
  /** `bootstrap` empty: the public HyperDHT bootstrap nodes. */
  readonly network: { readonly bootstrap: readonly BootstrapNode[], readonly key: string | null, readonly create: boolean, readonly invite: string | null }
  readonly hoster: { readonly capacityBytes: number, readonly group: string | null }
  readonly epochSeconds: number
  readonly unvettedEpochs: number | null
  /** Micro-favor, or null: the ledger's default. */
  readonly founderCreditMicro: bigint | null
  readonly logLevel: LogThreshold
  readonly limits: { readonly connections: number, readonly transfers: number }
  /** The file that was read, or null when none was. */
  readonly configFile: string | null
}

export interface ResolveConfigOptions {
  /** Config file path. Default: `flags.configFile`, else `<dataDir>/config.json` if it exists. */
  readonly file?: string | false
  /** Environment variables; pass `process.env` from the program's entry point. */
  readonly env?: Readonly<Record<string, string | undefined>>
  readonly flags?: InlineConfig
  /** Relative paths from env and flags resolve against this. Default `process.cwd()`. */
  readonly cwd?: string
  /** Where the default data directory goes. Default `os.homedir()`. */
  readonly homeDir?: string
}

type Parsed = { ok: true, value: unknown } | { ok: false, expected: string }

interface FieldSpec {
  /** Dotted path in UserConfig. */
  readonly path: string
  readonly env: string
  readonly flag: string
  /** `text` is true when the raw value is a string from the environment or the command line. */
  parse(value: unknown, text: boolean): Parsed
}

const ok = (value: unknown): Parsed => ({ ok: true, value })
const bad = (expected: string): Parsed => ({ ok: false, expected })

function int(min: number, max: number) {
  const expected = `an integer ${min}–${max}`
  return (value: unknown, text: boolean): Parsed => {
    let n = value
    if (text && typeof value === 'string') {
      if (!/^\s*-?\d+\s*$/.test(value)) return bad(expected)
      n = Number(value)
    }
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min || n > max) return bad(expected)
    return ok(n)
  }
}

function str(expected: string, test: (s: string) => boolean) {
  return (value: unknown): Parsed => typeof value === 'string' && test(value) ? ok(value) : bad(expected)
}

function bool(value: unknown, text: boolean): Parsed {
  if (typeof value === 'boolean') return ok(value)
  if (text && typeof value === 'string') {
    if (/^(true|1|yes)$/i.test(value.trim())) return ok(true)
    if (/^(false|0|no)$/i.test(value.trim())) return ok(false)
  }
  return bad('true or false')
}

function nullable(inner: (value: unknown, text: boolean) => Parsed) {
  return (value: unknown, text: boolean): Parsed => value === null ? ok(null) : inner(value, text)
}

const NAME_RE = /^[A-Za-z0-9._-]{1,64}$/
const SIZE_UNITS: Record<string, number> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 2 ** 10, mib: 2 ** 20, gib: 2 ** 30, tib: 2 ** 40
}

/** Parses `1234`, `"1234"`, `"20GiB"`, `"1.5 GB"` into whole bytes; null when it cannot. */
function founderCreditOf(text: string | null): bigint | null {
  return text === null ? null : parseFavor(text)
}

export function parseBytes(value: unknown): number | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : null
  if (typeof value !== 'string') return null
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(value)
  if (m === null) return null
  const unit = SIZE_UNITS[(m[2] ?? '').toLowerCase()]
  if (unit === undefined) return null
  const n = Number(m[1]) * unit
  if (!Number.isFinite(n)) return null
  const bytes = Math.floor(n)
  return Number.isSafeInteger(bytes) ? bytes : null
}

/** Parses `host:port` or `[v6]:port`. */
export function parseHostPort(value: string): BootstrapNode | null {
  const m = /^\s*(?:\[([^\]]+)\]|([^:\s]+)):(\d{1,5})\s*$/.exec(value)
  if (m === null) return null
  const host = m[1] ?? m[2]
  const port = Number(m[3])
  if (host === undefined || host === '' || port < 1 || port > 65535) return null
  return { host, port }
}

function parseBootstrap(value: unknown, text: boolean): Parsed {
  const expected = 'a list of host:port (port 1–65535)'
  let items: unknown[]
  if (typeof value === 'string' && text) items = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  else if (Array.isArray(value)) items = value
  else return bad(expected)
  const out: BootstrapNode[] = []
  for (const item of items) {
    if (typeof item === 'string') {
      const hp = parseHostPort(item)
      if (hp === null) return bad(expected)
      out.push(hp)
    } else if (typeof item === 'object' && item !== null && !Array.isArray(item)) {
      const { host, port } = item as Record<string, unknown>
      const keys = Object.keys(item)
      if (typeof host !== 'string' || host === '' || typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535 ||
        keys.some((k) => k !== 'host' && k !== 'port')) return bad(expected)
      out.push({ host, port })
    } else {
      return bad(expected)
    }
  }
  return ok(out)
}

const FIELDS: readonly FieldSpec[] = [
  { path: 'dataDir', env: 'FAVOR_DATA_DIR', flag: '--dir', parse: str('a non-empty path', (s) => s.trim() !== '') },
  { path: 'name', env: 'FAVOR_NAME', flag: '--name', parse: str("a name of 1–64 letters, digits, '.', '_' or '-'", (s) => NAME_RE.test(s)) },
  { path: 'api.host', env: 'FAVOR_API_HOST', flag: '--api-host', parse: str('a host name or IP address', (s) => /^[^\s/]+$/.test(s)) },
  { path: 'api.port', env: 'FAVOR_API_PORT', flag: '--api-port', parse: int(0, 65535) },
  { path: 'network.bootstrap', env: 'FAVOR_NETWORK_BOOTSTRAP', flag: '--bootstrap', parse: parseBootstrap },
  {
    path: 'network.key',
    env: 'FAVOR_NETWORK_KEY',
    flag: '--network-key',
    parse: nullable((v) => typeof v === 'string' && /^[0-9a-fA-F]{64}$/.test(v) ? ok(v.toLowerCase()) : bad('64 hex characters (a 32-byte key)'))
  },
  { path: 'network.create', env: 'FAVOR_NETWORK_CREATE', flag: '--create-network', parse: bool },
  {
    path: 'network.invite',
    env: 'FAVOR_NETWORK_INVITE',
    flag: '--invite',
    parse: nullable((v) => typeof v === 'string' && /^([0-9a-fA-F]{2}){1,64}$/.test(v) ? ok(v.toLowerCase()) : bad('an invite code: hex, from `favor network invite`'))
  },
  {
    path: 'hoster.capacityBytes',
    env: 'FAVOR_HOSTER_CAPACITY_BYTES',
    flag: '--capacity',
    parse: (v) => {
      const n = parseBytes(v)
      return n === null ? bad("a size in bytes ≥ 0, e.g. 1073741824 or '1GiB'") : ok(n)
    }
  },
  { path: 'hoster.group', env: 'FAVOR_HOSTER_GROUP', flag: '--group', parse: nullable(str("a group name of 1–64 letters, digits, '.', '_' or '-'", (s) => NAME_RE.test(s))) },
  { path: 'epochSeconds', env: 'FAVOR_EPOCH_SECONDS', flag: '--epoch-seconds', parse: int(1, MAX_EPOCH_SECONDS) },
  { path: 'unvettedEpochs', env: 'FAVOR_UNVETTED_EPOCHS', flag: '--unvetted-epochs', parse: nullable(int(0, 1_000_000)) },
  {
    path: 'founderCredit',
    env: 'FAVOR_FOUNDER_CREDIT',
    flag: '--founder-credit',
    parse: nullable((v) => typeof v === 'string' && parseFavor(v) !== null ? ok(v) : bad("a favor amount, e.g. '1000', '2.5' or '2500000u' (micro-favor)"))
  },
  {
    path: 'logLevel',
    env: 'FAVOR_LOG_LEVEL',
    flag: '--log-level',
    parse: (v) => typeof v === 'string' && (LOG_LEVELS as readonly string[]).includes(v) ? ok(v) : bad(`one of ${LOG_LEVELS.join(', ')}`)
  },
  { path: 'limits.connections', env: 'FAVOR_LIMITS_CONNECTIONS', flag: '--max-connections', parse: int(1, 1_000_000) },
  { path: 'limits.transfers', env: 'FAVOR_LIMITS_TRANSFERS', flag: '--max-transfers', parse: int(1, 1_000_000) }
]

const GROUPS = new Set(['api', 'network', 'hoster', 'limits'])

function repr(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`
  if (value === undefined) return 'nothing'
  try {
    return JSON.stringify(value)
  } catch (err) {
    // JSON.stringify throws TypeError on a cycle or a bigint
    if (!(err instanceof TypeError)) throw err
    return typeof value === 'bigint' ? `${value}n` : 'an unprintable value'
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** A value at a dotted path; `present` false when absent (undefined counts as absent). */
function lookup(obj: Record<string, unknown>, path: string): { present: boolean, value: unknown } {
  let cur: unknown = obj
  for (const part of path.split('.')) {
    if (!isObject(cur) || !(part in cur)) return { present: false, value: undefined }
    cur = cur[part]
  }
  return { present: cur !== undefined, value: cur }
}

interface Layer {
  readonly source: ConfigSource
  readonly values: Map<string, unknown>
  /** Base directory for relative dataDir. */
  readonly baseDir: string
}

function checkShape(obj: Record<string, unknown>, source: ConfigSource, where: (field: string) => string, issues: ConfigIssue[], extra: readonly string[]): void {
  const known = new Set(FIELDS.map((f) => f.path))
  for (const [k, v] of Object.entries(obj)) {
    if (extra.includes(k)) continue
    if (GROUPS.has(k)) {
      if (v === undefined) continue
      if (!isObject(v)) {
        issues.push({ field: k, source, location: where(k), message: `${where(k)}: expected an object, got ${repr(v)}` })
        continue
      }
      for (const sub of Object.keys(v)) {
        if (!known.has(`${k}.${sub}`)) issues.push({ field: `${k}.${sub}`, source, location: where(`${k}.${sub}`), message: `${where(`${k}.${sub}`)}: unknown field` })
      }
    } else if (!known.has(k)) {
      issues.push({ field: k, source, location: where(k), message: `${where(k)}: unknown field` })
    }
  }
}

function layerFromObject(obj: Record<string, unknown>, source: ConfigSource, where: (spec: FieldSpec) => string, text: boolean, baseDir: string, issues: ConfigIssue[]): Layer {
  const values = new Map<string, unknown>()
  for (const spec of FIELDS) {
    const { present, value } = lookup(obj, spec.path)
    if (!present) continue
    const parsed = spec.parse(value, text)
    if (parsed.ok) values.set(spec.path, parsed.value)
    else {
      const location = where(spec)
      issues.push({ field: spec.path, source, location, message: `${location}: expected ${parsed.expected}, got ${repr(value)}` })
    }
  }
  return { source, values, baseDir }
}

function envLayer(env: Readonly<Record<string, string | undefined>>, cwd: string, issues: ConfigIssue[]): Layer {
  const values = new Map<string, unknown>()
  for (const spec of FIELDS) {
    const raw = env[spec.env]
    if (raw === undefined || raw === '') continue
    const parsed = spec.parse(raw, true)
    if (parsed.ok) values.set(spec.path, parsed.value)
    else issues.push({ field: spec.path, source: 'env', location: spec.env, message: `${spec.env}: expected ${parsed.expected}, got ${repr(raw)}` })
  }
  return { source: 'env', values, baseDir: cwd }
}

async function readConfigFile(path: string, required: boolean, issues: ConfigIssue[]): Promise<Record<string, unknown> | null> {
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT' && !required) return null
    issues.push({ field: '', source: 'file', location: path, message: `${path}: cannot read the config file (${(err as Error).message})` })
    return null
  }
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (err) {
    issues.push({ field: '', source: 'file', location: path, message: `${path}: not valid JSON (${(err as Error).message})` })
    return null
  }
  if (!isObject(parsed)) {
    issues.push({ field: '', source: 'file', location: path, message: `${path}: expected a JSON object, got ${repr(parsed)}` })
    return null
  }
  return parsed
}

function pick<T>(layers: readonly Layer[], path: string, fallback: T): { value: T, layer: Layer | null } {
  for (const layer of layers) {
    if (layer.values.has(path)) return { value: layer.values.get(path) as T, layer }
  }
  return { value: fallback, layer: null }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v)
    Object.freeze(value)
  }
  return value
}

/**
 * Builds the ResolvedConfig. Throws ConfigError listing every invalid value (all sources are
 * checked, even values another source overrides: a broken variable is worth knowing about).
 */
export async function resolveConfig(options: ResolveConfigOptions = {}): Promise<ResolvedConfig> {
  return (await resolveConfigDetailed(options)).config
}

/** Where a resolved value came from: `location` names the flag, variable or file field. */
export interface ConfigValueSource {
  readonly source: ConfigSource | 'default'
  readonly location: string
}

/** The resolved configuration and, for each field (dotted path), where its value came from. */
export interface DetailedConfig {
  readonly config: ResolvedConfig
  readonly sources: Readonly<Record<string, ConfigValueSource>>
}

/** As resolveConfig, plus where every value came from (`favor config`). */
export async function resolveConfigDetailed(options: ResolveConfigOptions = {}): Promise<DetailedConfig> {
  const cwd = options.cwd ?? process.cwd()
  const home = options.homeDir ?? homedir()
  const env = options.env ?? {}
  const flagsObj = (options.flags ?? {}) as Record<string, unknown>
  const issues: ConfigIssue[] = []

  checkShape(flagsObj, 'flags', (field) => `flag ${field}`, issues, ['configFile'])
  const flags = layerFromObject(flagsObj, 'flags', (spec) => spec.flag, true, cwd, issues)
  const envL = envLayer(env, cwd, issues)

  // The file lives in the data directory unless named, so the data directory comes first.
  const early = pick([flags, envL], 'dataDir', null as string | null)
  const earlyDataDir = early.value === null ? join(home, DEFAULT_DATA_DIR_NAME) : resolve(early.layer?.baseDir ?? cwd, early.value)
  const fileOption = options.file ?? flagsObj.configFile
  if (fileOption !== undefined && fileOption !== false && (typeof fileOption !== 'string' || fileOption === '')) {
    issues.push({ field: 'configFile', source: 'flags', location: '--config', message: `--config: expected a file path, got ${repr(fileOption)}` })
  }
  let filePath: string | null = null
  let required = false
  if (typeof fileOption === 'string' && fileOption !== '') {
    filePath = resolve(cwd, fileOption)
    required = true
  } else if (fileOption === undefined) {
    filePath = join(earlyDataDir, CONFIG_FILE_NAME)
  }
  let fileL: Layer | null = null
  let configFile: string | null = null
  if (filePath !== null) {
    const obj = await readConfigFile(filePath, required, issues)
    if (obj !== null) {
      const path = filePath
      configFile = path
      checkShape(obj, 'file', (field) => `${path}: ${field}`, issues, [])
      fileL = layerFromObject(obj, 'file', (spec) => `${path}: ${spec.path}`, false, dirname(path), issues)
    }
  }
  if (issues.length > 0) throw new ConfigError(issues)

  const layers = fileL === null ? [flags, envL] : [flags, envL, fileL]
  const dataDirPick = pick(layers, 'dataDir', null as string | null)
  const dataDir = dataDirPick.value === null ? earlyDataDir : resolve(dataDirPick.layer?.baseDir ?? cwd, dataDirPick.value)

  const resolved: ResolvedConfig = {
    dataDir,
    name: pick(layers, 'name', DEFAULT_NODE_NAME).value,
    api: {
      host: pick(layers, 'api.host', DEFAULT_API_HOST).value,
      port: pick(layers, 'api.port', DEFAULT_API_PORT).value
    },
    network: {
      bootstrap: pick<BootstrapNode[]>(layers, 'network.bootstrap', []).value,
      key: pick<string | null>(layers, 'network.key', null).value,
      create: pick(layers, 'network.create', false).value,
      invite: pick<string | null>(layers, 'network.invite', null).value
    },
    hoster: {
      capacityBytes: pick(layers, 'hoster.capacityBytes', DEFAULT_HOSTER_CAPACITY_BYTES).value,
      group: pick<string | null>(layers, 'hoster.group', null).value
    },
    epochSeconds: pick(layers, 'epochSeconds', DEFAULT_EPOCH_SECONDS).value,
    unvettedEpochs: pick<number | null>(layers, 'unvettedEpochs', null).value,
    founderCreditMicro: founderCreditOf(pick<string | null>(layers, 'founderCredit', null).value),
    logLevel: pick<LogThreshold>(layers, 'logLevel', DEFAULT_LOG_LEVEL).value,
    limits: {
      connections: pick(layers, 'limits.connections', DEFAULT_MAX_CONNECTIONS).value,
      transfers: pick(layers, 'limits.transfers', DEFAULT_MAX_TRANSFERS).value
    },
    configFile
  }
  const sources: Record<string, ConfigValueSource> = {}
  for (const spec of FIELDS) {
    const layer = pick(layers, spec.path, null).layer
    const location = layer === null ? 'default'
      : layer.source === 'flags' ? spec.flag
        : layer.source === 'env' ? spec.env
          : `${configFile ?? CONFIG_FILE_NAME}: ${spec.path}`
    sources[spec.path] = { source: layer?.source ?? 'default', location }
  }
  return deepFreeze({ config: structuredClone(resolved), sources })
}

/**
 * The values of `flags`, parsed and typed as a config file holds them (numbers as numbers, the
 * bootstrap list as `host:port` strings): what `favor init` writes. Throws ConfigError listing every
 * invalid flag.
 */
export function userConfigFromFlags(flags: InlineConfig): UserConfig {
  const issues: ConfigIssue[] = []
  const { configFile: _file, ...rest } = flags
  checkShape(rest, 'flags', (field) => `flag ${field}`, issues, [])
  const layer = layerFromObject(rest, 'flags', (spec) => spec.flag, true, process.cwd(), issues)
  if (issues.length > 0) throw new ConfigError(issues)
  const out: Record<string, unknown> = {}
  for (const [path, raw] of layer.values) {
    const value = path === 'network.bootstrap'
      ? (raw as BootstrapNode[]).map((b) => b.host.includes(':') ? `[${b.host}]:${b.port}` : `${b.host}:${b.port}`)
      : raw
    const [a, b] = path.split('.') as [string, string | undefined]
    if (b === undefined) out[a] = value
    else out[a] = { ...(out[a] as Record<string, unknown> | undefined), [b]: value }
  }
  return out
}

/** The environment variable and the flag that set each field, for `--help` and docs. */
export function configFieldNames(): ReadonlyArray<{ readonly field: string, readonly env: string, readonly flag: string }> {
  return FIELDS.map((f) => ({ field: f.path, env: f.env, flag: f.flag }))
}
