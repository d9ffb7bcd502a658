// Real nodes on a loopback testnet for the challenge-protocol tests and the benchmark. A hoster here is a
// store, a DHT node and a server that replicates AND answers `favor/challenge/2` per connection; what
// its ledger view would say (agreements, beacons, network id) is a small in-memory `World`.
import path from 'node:path'
import { blake2b, createDht, createLoopbackTestnet, keyPair, openStore, seedFromName } from '../../src/stack/index.js'
import type { Connection, Core, Dht, DhtServer, KeyPair, Store, Testnet } from '../../src/stack/index.js'
import { ChallengeResponder } from '../../src/protocol/index.js'
import type { ChallengeOptions, Logger, ParamsLookup, ResponderOptions } from '../../src/protocol/index.js'

export interface LogEntry {
  level: 'info' | 'warn' | 'error' | 'debug'
  msg: string
  data?: object
}

export function captureLogger(): Logger & { entries: LogEntry[] } {
  const entries: LogEntry[] = []
  const at = (level: LogEntry['level']) => (msg: string, data?: object): void => {
    entries.push(data === undefined ? { level, msg } : { level, msg, data })
  }
  return { entries, info: at('info'), warn: at('warn'), error: at('error'), debug: at('debug') }
}

/** What a ledger would hold for the challenges: the network id, beacons, and agreements. */
export interface World {
  networkId: Buffer
  beacon(epoch: number): Buffer
  /** agreementId → core and challenged length; samples per attestor; epochs that have started. */
  agreements: Map<number, { coreKey: Uint8Array; length: number; samples: number; fork: number; attestors?: Uint8Array[] }>
  currentEpoch: number
}

export function makeWorld(name = 'world'): World {
  return {
    networkId: blake2b(Buffer.from(`network-${name}`)),
    beacon: (epoch) => blake2b(Buffer.from(`beacon-${name}-${epoch}`)),
    agreements: new Map(),
    currentEpoch: 7
  }
}

/** The hoster's view of the world as the responder's `params` lookup (what a node reads from its ledger). */
export function worldParams(world: World): ParamsLookup {
  return ({ agreementId, epoch, attestorKey }) => {
    const a = world.agreements.get(agreementId)
    if (a === undefined) return Promise.resolve({ refuse: 'UNKNOWN_CHALLENGE' as const, message: `no agreement ${agreementId}` })
    if (a.attestors && !a.attestors.some((k) => Buffer.from(k).equals(attestorKey))) {
      return Promise.resolve({ refuse: 'NOT_SELECTED' as const, message: 'not a selected attestor' })
    }
    if (epoch !== world.currentEpoch) return Promise.resolve({ refuse: 'UNKNOWN_CHALLENGE' as const, message: `epoch ${epoch} is not the current epoch` })
    return Promise.resolve({ networkId: world.networkId, beacon: world.beacon(epoch), coreKey: a.coreKey, length: a.length, samples: a.samples })
  }
}

export interface HosterNode {
  keyPair: KeyPair
  store: Store
  dht: Dht
  server: DhtServer
  responder: ChallengeResponder
  log: Logger & { entries: LogEntry[] }
  hosted: Map<string, Core>
  connections: Set<Connection>
  close(): Promise<void>
}

/** A hoster: its own store and DHT node, a server that replicates AND answers challenges per connection. */
export async function startHoster(
  bootstrap: Testnet['bootstrap'],
  dir: string,
  name: string,
  world: World,
  opts: Partial<Pick<ResponderOptions, 'testing' | 'maxConcurrent' | 'params'>> = {}
): Promise<HosterNode> {
  const kp = keyPair(seedFromName(`hoster-${name}`))
  const store = openStore(path.join(dir, `hoster-${name}`))
  await store.ready()
  const dht = createDht({ bootstrap, keyPair: kp })
  const hosted = new Map<string, Core>()
  const log = captureLogger()
  const responder = new ChallengeResponder({
    keyPair: kp,
    params: worldParams(world),
    core: (key) => hosted.get(key.toString('hex')) ?? null,
    log,
    ...opts
  })
  const connections = new Set<Connection>()
  const server = dht.createServer((conn) => {
    connections.add(conn)
    conn.on('close', () => connections.delete(conn))
    store.replicate(conn)
    responder.attach(conn)
  })
  await server.listen(kp)
  return {
    keyPair: kp, store, dht, server, responder, log, hosted, connections,
    async close(): Promise<void> {
      responder.close()
      for (const c of connections) c.destroy()
      await server.close()
      await dht.destroy()
      await store.close()
    }
  }
}

export function block(i: number, size: number): Buffer {
  const b = Buffer.alloc(size, i % 251)
  b.writeUInt32LE(i, 0)
  return b
}

/** A publisher's store with one core of `length` blocks. */
export async function makeSource(dir: string, name: string, length: number, size: number): Promise<{ store: Store; core: Core }> {
  const store = openStore(path.join(dir, `publisher-${name}`))
  const core = store.get({ name })
  await core.ready()
  for (let i = 0; i < length; i += 512) {
    const batch: Buffer[] = []
    for (let j = i; j < Math.min(length, i + 512); j++) batch.push(block(j, size))
    await core.append(batch)
  }
  return { store, core }
}

/** Mirrors `src` (its current length) into the hoster's store over a direct stream; returns the copy. */
export async function mirror(hoster: HosterNode, src: { store: Store; core: Core }): Promise<Core> {
  const a = src.store.replicate(true)
  const b = hoster.store.replicate(false)
  a.pipe(b).pipe(a)
  const copy = hoster.store.get({ key: src.core.key })
  await copy.ready()
  await copy.update({ wait: true })
  await copy.download({ start: 0, end: src.core.length }).done()
  a.destroy()
  b.destroy()
  hoster.hosted.set(copy.key.toString('hex'), copy)
  return copy
}

/** A publisher core of `length` blocks, mirrored into the hoster's store; the publisher's store is closed. */
export async function publishTo(hoster: HosterNode, dir: string, name: string, length: number, size: number): Promise<Core> {
  const src = await makeSource(dir, name, length, size)
  const copy = await mirror(hoster, src)
  await src.store.close()
  return copy
}

export async function startNet(): Promise<{ testnet: Testnet; attestor: Dht }> {
  const testnet = await createLoopbackTestnet(3)
  const attestor = createDht({ bootstrap: testnet.bootstrap, keyPair: keyPair(seedFromName('attestor-1')) })
  return { testnet, attestor }
}

/** The attestor's ledger account key used by the tests (not its DHT key: they differ on real nodes too). */
export const ATTESTOR_ACCOUNT = blake2b(Buffer.from('attestor-account-1'))

/** Challenge options for agreement `agreementId` of `world`, hosted by `hoster`. */
export function challengeOptions(world: World, attestor: Dht, hoster: HosterNode, agreementId: number, over: Partial<ChallengeOptions> = {}): ChallengeOptions {
  const a = world.agreements.get(agreementId)
  if (a === undefined) throw new Error(`no agreement ${agreementId} in the test world`)
  return {
    dht: attestor,
    hosterNodeKey: hoster.keyPair.publicKey,
    coreKey: a.coreKey,
    networkId: world.networkId,
    beacon: world.beacon(world.currentEpoch),
    attestorKey: ATTESTOR_ACCOUNT,
    agreementId,
    epoch: world.currentEpoch,
    length: a.length,
    samples: a.samples,
    minFork: a.fork,
    deadlineMs: 1000,
    connectTimeoutMs: 5000,
    ...over
  }
}
