// Real nodes on a loopback testnet for the challenge-protocol tests and the benchmark.
import path from 'node:path'
import { createDht, createLoopbackTestnet, keyPair, openStore, seedFromName } from '../../src/stack/index.js'
import type { Connection, Core, Dht, DhtServer, KeyPair, Store, Testnet } from '../../src/stack/index.js'
import { ChallengeResponder } from '../../src/protocol/index.js'
import type { Logger, ResponderOptions } from '../../src/protocol/index.js'

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
  opts: Partial<Pick<ResponderOptions, 'delayMs' | 'maxConcurrent'>> = {}
): Promise<HosterNode> {
  const kp = keyPair(seedFromName(`hoster-${name}`))
  const store = openStore(path.join(dir, `hoster-${name}`))
  await store.ready()
  const dht = createDht({ bootstrap, keyPair: kp })
  const hosted = new Map<string, Core>()
  const log = captureLogger()
  const responder = new ChallengeResponder({
    keyPair: kp,
    lookup: key => hosted.get(key.toString('hex')) ?? null,
    log,
    ...opts
  })
  const connections = new Set<Connection>()
  const server = dht.createServer(conn => {
    connections.add(conn)
    conn.on('close', () => connections.delete(conn))
    store.replicate(conn)
    responder.attach(conn)
  })
  await server.listen(kp)
  return {
    keyPair: kp,
    store,
    dht,
    server,
    responder,
    log,
    hosted,
    connections,
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

/** A publisher core of `length` blocks, mirrored into the hoster's store over a direct stream. */
export async function publishTo(hoster: HosterNode, dir: string, name: string, length: number, size: number): Promise<Core> {
  const pub = openStore(path.join(dir, `publisher-${name}`))
  const src = pub.get({ name })
  await src.ready()
  for (let i = 0; i < length; i += 512) {
    const batch: Buffer[] = []
    for (let j = i; j < Math.min(length, i + 512); j++) batch.push(block(j, size))
    await src.append(batch)
  }
  const a = pub.replicate(true)
  const b = hoster.store.replicate(false)
  a.pipe(b).pipe(a)
  const copy = hoster.store.get({ key: src.key })
  await copy.ready()
  await copy.update({ wait: true })
  await copy.download({ start: 0, end: length }).done()
  a.destroy()
  b.destroy()
  await pub.close()
  hoster.hosted.set(copy.key.toString('hex'), copy)
  return copy
}

export async function startNet(): Promise<{ testnet: Testnet; attestor: Dht }> {
  const testnet = await createLoopbackTestnet(3)
  const attestor = createDht({ bootstrap: testnet.bootstrap, keyPair: keyPair(seedFromName('attestor-1')) })
  return { testnet, attestor }
}
