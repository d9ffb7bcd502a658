// The configuration flags of `init`, `start` and `config`, and the one path from flags and
// environment to the typed configuration (src/runtime/config.ts resolves and validates it).
import { ConfigError, resolveConfigDetailed, userConfigFromFlags } from '../runtime/index.js'
import type { DetailedConfig, InlineConfig, UserConfig } from '../runtime/index.js'
import { UsageError } from './client.js'
import { str } from './command.js'
import type { Flags, Values } from './command.js'

export const CONFIG_FLAGS: Flags = {
  name: { type: 'string', arg: 'NAME', desc: "the node's readable name (logs, dashboard); 1–64 of A-Z a-z 0-9 . _ -" },
  bootstrap: { type: 'string', arg: 'HOST:PORT,…', desc: 'DHT bootstrap nodes; default: the public HyperDHT. For one machine: the flag `favor testnet` prints' },
  'network-key': { type: 'string', arg: 'KEY', desc: 'the network to join (64 hex); see also `favor network join`' },
  'create-network': { type: 'boolean', desc: 'create a new network at the next start if the node is in none (as `favor network create`)' },
  capacity: { type: 'string', arg: 'SIZE', desc: 'storage offered to others as a hoster, e.g. 20GiB; 0 (default): not a hoster' },
  group: { type: 'string', arg: 'G', desc: 'your operator or failure domain: no two replicas of one core in one group' },
  'api-host': { type: 'string', arg: 'HOST', desc: 'address of the HTTP API and dashboard (default 127.0.0.1)' },
  'api-port': { type: 'string', arg: 'N', desc: 'port of the HTTP API (default 7373; taken: a free one; 0: always a free one)' },
  'epoch-seconds': { type: 'string', arg: 'N', desc: 'epoch length in seconds when this node creates the network (default 3600)' },
  'unvetted-epochs': { type: 'string', arg: 'N', desc: 'passing epochs before a new hoster is vetted, when this node creates the network (default 24; only one unvetted hoster per core)' },
  'founder-credit': { type: 'string', arg: 'FAVOR', desc: 'your credit line as the founder, when this node creates the network: what you may pay hosters and lend newcomers before anyone has earned favor (default 1000)' },
  'log-level': { type: 'string', arg: 'LEVEL', desc: 'debug, info (default), warn, error or silent' },
  'max-connections': { type: 'string', arg: 'N', desc: 'peer connections the swarm keeps at most (default 64)' },
  'max-transfers': { type: 'string', arg: 'N', desc: 'mirrors fetched at once: mirror tasks running at once (default 8)' },
  config: { type: 'string', arg: 'FILE', desc: 'read this config file instead of <dir>/config.json' }
}

/** The flags given, as an InlineConfig (strings; resolveConfig parses and validates them). */
export function inlineConfig(values: Values, dir: string | null): InlineConfig {
  const flags: Record<string, unknown> = {}
  if (dir !== null) flags.dataDir = dir
  const set = (path: string, v: string | boolean | undefined): void => {
    if (v === undefined) return
    const [a, b] = path.split('.') as [string, string | undefined]
    if (b === undefined) flags[a] = v
    else flags[a] = { ...(flags[a] as Record<string, unknown> | undefined), [b]: v }
  }
  set('name', str(values, 'name'))
  set('api.host', str(values, 'api-host'))
  set('api.port', str(values, 'api-port'))
  set('network.bootstrap', str(values, 'bootstrap'))
  set('network.key', str(values, 'network-key'))
  if (values['create-network'] === true) set('network.create', true)
  set('hoster.capacityBytes', str(values, 'capacity'))
  set('hoster.group', str(values, 'group'))
  set('epochSeconds', str(values, 'epoch-seconds'))
  set('unvettedEpochs', str(values, 'unvetted-epochs'))
  set('founderCredit', str(values, 'founder-credit'))
  set('logLevel', str(values, 'log-level'))
  set('limits.connections', str(values, 'max-connections'))
  set('limits.transfers', str(values, 'max-transfers'))
  if (str(values, 'config') !== undefined) flags.configFile = str(values, 'config')
  return flags
}

/** The environment the resolver reads: FAVOR_DIR is the short name of FAVOR_DATA_DIR. */
export function configEnv(): Record<string, string | undefined> {
  const env = { ...process.env }
  if ((env.FAVOR_DATA_DIR ?? '') === '' && (env.FAVOR_DIR ?? '') !== '') env.FAVOR_DATA_DIR = env.FAVOR_DIR
  return env
}

function usage<T>(fn: () => T): T {
  try {
    return fn()
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message)
    throw err
  }
}

/** The resolved configuration of the node in `dir` with these flags (UsageError when invalid). */
export async function loadConfig(values: Values, dir: string, dirFlag: boolean): Promise<DetailedConfig> {
  try {
    return await resolveConfigDetailed({ env: configEnv(), flags: inlineConfig(values, dirFlag ? dir : null), cwd: process.cwd() })
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message)
    throw err
  }
}

/** The flags as typed config-file content (what `init` writes); UsageError when a value is invalid. */
export function flagsAsUserConfig(values: Values): UserConfig {
  const { dataDir: _d, configFile: _c, ...rest } = inlineConfig(values, null)
  return usage(() => userConfigFromFlags(rest))
}
