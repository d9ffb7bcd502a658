// The relay benchmark's ONE coupling to the challenge wire protocol (`favor/challenge/2`,
// docs/challenges.md §1): the attestor call, the honest hoster's responder, and the relay's answer.
//
// The attestor is the project's own runner (`runChallenge`: ping round trip, fresh nonce, items and
// receipt, judged from the core key), run with a very long deadline so that it judges validity only;
// the benchmark applies candidate deadlines afterwards to the time the runner would judge:
// (receipt arrival − nonce sent) − measured round trip.
//
// No ledger runs here: `BenchLedger` holds what the ledger's attestation records would (network id,
// beacon per epoch, per agreement the core, challenged length and samples), and both hosters and the
// attestors read it, as they would read their own ledger views.
import { CHALLENGE_PROTOCOL, ChallengeResponder, challengeWire, createChallengeChannel, decodeWire, encodeWire, itemWire, pongWire, pingWire, receiptWire, refusalWire, runChallenge } from '../src/protocol/index.js'
import type { ChallengeChannel, ChallengeParams, ParamsLookup } from '../src/protocol/index.js'
import { answerHash, challengeIndicesV2, itemHash, signReceipt } from '../src/proof/index.js'
import type { AnswerItem } from '../src/proof/index.js'
import { blake2b, createDht, keyPair, muxOf, seedFromName } from '../src/stack/index.js'
import type { BootstrapNode, Connection, Core, Dht, DhtServer, KeyPair, Store } from '../src/stack/index.js'
import type { FetchedProofs } from './relay-source.js'

export { CHALLENGE_PROTOCOL }

/** Far above any time measured here: the runner then classifies validity only (see above). */
const MEASURE_DEADLINE_MS = 30_000
const CONNECT_TIMEOUT_MS = 10_000

export interface BenchAgreement {
  agreementId: number
  coreKey: Buffer
  length: number
  samples: number
}

/** What the hosters and attestors would read from their ledger views. */
export class BenchLedger {
  readonly networkId = blake2b(Buffer.from('relay-bench network'))
  readonly agreements = new Map<number, BenchAgreement>()

  beacon(epoch: number): Buffer {
    return blake2b(Buffer.from(`relay-bench beacon ${epoch}`))
  }

  add(a: BenchAgreement): BenchAgreement {
    this.agreements.set(a.agreementId, a)
    return a
  }

  readonly params: ParamsLookup = (q) => {
    const a = this.agreements.get(q.agreementId)
    if (!a) return Promise.resolve({ refuse: 'UNKNOWN_CHALLENGE', message: `no agreement ${q.agreementId}` })
    const p: ChallengeParams = { networkId: this.networkId, beacon: this.beacon(q.epoch), coreKey: a.coreKey, length: a.length, samples: a.samples }
    return Promise.resolve(p)
  }
}

export interface BenchHoster {
  readonly nodeKey: Buffer
  close(): Promise<void>
}

export interface BenchAttestor {
  readonly dht: Dht
  /** Its ledger account key (the receipt binds it). */
  readonly key: Buffer
}

export interface ChallengeSample {
  /** The runner's outcome with no deadline in effect: 'pass' = a valid answer. */
  outcome: 'pass' | 'missing' | 'slow' | 'unreachable'
  code: string
  /** Time judged against the deadline: (receipt − nonce sent) − rtt, ms. */
  timeMs: number
  rttMs: number
  connectMs: number
}

async function serve(bootstrap: BootstrapNode[], kp: KeyPair, onConn: (conn: Connection) => void): Promise<{ dht: Dht; server: DhtServer; conns: Set<Connection> }> {
  const dht = createDht({ bootstrap, keyPair: kp })
  const conns = new Set<Connection>()
  const server = dht.createServer((conn) => {
    conns.add(conn)
    conn.on('close', () => conns.delete(conn))
    conn.on('error', () => conn.destroy()) // the attestor's runner reports what matters
    onConn(conn)
  })
  await server.listen(kp)
  return { dht, server, conns }
}

function closer(s: { dht: Dht; server: DhtServer; conns: Set<Connection> }, before: () => void): () => Promise<void> {
  return async () => {
    before()
    for (const c of s.conns) c.destroy()
    await s.server.close()
    await s.dht.destroy()
  }
}

export function startAttestor(bootstrap: BootstrapNode[], name: string): BenchAttestor {
  const kp = keyPair(seedFromName(`relay-bench-attestor-${name}`))
  return { dht: createDht({ bootstrap, keyPair: kp }), key: kp.publicKey }
}

/** An honest hoster: the project's own responder over the cores it holds in `store`. */
export async function startHonestHoster(bootstrap: BootstrapNode[], name: string, store: Store, cores: Core[], ledger: BenchLedger): Promise<BenchHoster> {
  const kp = keyPair(seedFromName(`relay-bench-honest-${name}`))
  const byKey = new Map(cores.map((c) => [c.key.toString('hex'), c]))
  const responder = new ChallengeResponder({ keyPair: kp, params: ledger.params, core: (key) => byKey.get(key.toString('hex')) ?? null, maxConcurrent: 64 })
  const s = await serve(bootstrap, kp, (conn) => {
    store.replicate(conn)
    responder.attach(conn)
  })
  return { nodeKey: kp.publicKey, close: closer(s, () => responder.close()) }
}

/**
 * A relay: a hoster identity that keeps no blocks. It answers pings at once (it gains nothing by a slow
 * pong: the runner caps the round trip it subtracts, and it would only add to the time judged), and per
 * challenge computes the indices from the nonce as any hoster does, gets the proofs from `fetch` (its
 * source, somewhere away), and sends them as its own items with its own receipt.
 */
export async function startRelayHoster(bootstrap: BootstrapNode[], name: string, ledger: BenchLedger, fetch: (coreKey: Uint8Array, indices: readonly number[]) => Promise<FetchedProofs>): Promise<BenchHoster> {
  const kp = keyPair(seedFromName(`relay-bench-relay-${name}`))
  const s = await serve(bootstrap, kp, (conn) => attachRelay(conn, kp, ledger, fetch))
  return { nodeKey: kp.publicKey, close: closer(s, () => undefined) }
}

function attachRelay(conn: Connection, kp: KeyPair, ledger: BenchLedger, fetch: (coreKey: Uint8Array, indices: readonly number[]) => Promise<FetchedProofs>): void {
  const answer = async (ch: ChallengeChannel, bytes: Uint8Array): Promise<void> => {
    const req = decodeWire(challengeWire, bytes)
    const params = await ledger.params({ agreementId: req.agreementId, epoch: req.epoch, attestorKey: req.attestorKey })
    if ('refuse' in params) throw new Error(params.message)
    const indices = challengeIndicesV2(params.beacon, req.agreementId, req.attestorKey, req.nonce, params.length, params.samples)
    const got = await fetch(params.coreKey, indices)
    const items: AnswerItem[] = got.bundle.proofs.map((proof) => ({ kind: 'proof', proof }))
    const hashes = items.map((item, position) => itemHash(position, indices[position] as number, item))
    const signature = signReceipt({
      networkId: params.networkId, agreementId: req.agreementId, epoch: req.epoch, attestorKey: req.attestorKey, nonce: req.nonce,
      answerHash: answerHash(got.bundle.manifest, hashes), fork: got.fork, length: got.length
    }, kp.secretKey)
    if (ch.channel.closed) return
    items.forEach((item, position) => ch.send.item.send(encodeWire(itemWire, { position, item })))
    ch.send.receipt.send(encodeWire(receiptWire, { manifest: got.bundle.manifest, fork: got.fork, length: got.length, signature }))
  }
  const refuse = (ch: ChallengeChannel, message: string): void => {
    console.error(`relay: ${message}`)
    if (!ch.channel.closed) ch.send.refusal.send(encodeWire(refusalWire, { code: 'INTERNAL', message: message.slice(0, 200) }))
  }
  // Paired synchronously in the connection handler, like the real responder.
  muxOf(conn).pair({ protocol: CHALLENGE_PROTOCOL }, () => {
    let ch: ChallengeChannel | null = null
    ch = createChallengeChannel(conn, {
      ping: (bytes) => {
        if (!ch) return
        try {
          ch.send.pong.send(encodeWire(pongWire, decodeWire(pingWire, bytes)))
        } catch (err) {
          refuse(ch, (err as Error).message)
        }
      },
      challenge: (bytes) => {
        if (!ch) return
        const c = ch
        answer(c, bytes).catch((err: unknown) => refuse(c, (err as Error).message))
      }
    })
    ch?.channel.open()
  })
}

/** One challenge by `attestor` on `agreement` at `epoch` (fresh connection, fresh nonce: the runner's own). */
export async function challengeOnce(attestor: BenchAttestor, ledger: BenchLedger, hosterNodeKey: Buffer, agreement: BenchAgreement, epoch: number): Promise<ChallengeSample> {
  const r = await runChallenge({
    dht: attestor.dht,
    hosterNodeKey,
    coreKey: agreement.coreKey,
    networkId: ledger.networkId,
    beacon: ledger.beacon(epoch),
    attestorKey: attestor.key,
    agreementId: agreement.agreementId,
    epoch,
    length: agreement.length,
    samples: agreement.samples,
    minFork: 0,
    deadlineMs: MEASURE_DEADLINE_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    hardTimeoutMs: MEASURE_DEADLINE_MS
  })
  return {
    outcome: r.outcome,
    code: r.error?.code ?? '',
    timeMs: r.responseMs === null ? Number.POSITIVE_INFINITY : Math.max(0, r.responseMs - r.rttMs),
    rttMs: r.rttMs,
    connectMs: r.connectMs ?? Number.NaN
  }
}
