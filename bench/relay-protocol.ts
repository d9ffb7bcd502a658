// The relay benchmark's ONE coupling to the challenge wire protocol (today `favor/challenge/1`).
// Switching to `favor/challenge/2` changes this file only: the attestor call, the honest hoster's
// responder, and the relay's answer (which, in v2, computes the indices from the nonce itself and
// signs a receipt).
//
// The attestor is the project's own runner (`runChallenge`), run with a very long deadline so that it
// judges only validity; the benchmark applies candidate deadlines afterwards to the measured time.
// v1 has no round-trip ping: the time is request sent → last answer message, and on loopback the
// attestor↔hoster round trip it would subtract is well under 1 ms (the relay's distance is on its path
// to its source, not on the attestor's path).
import {
  CHALLENGE_PROTOCOL,
  ChallengeResponder,
  MAX_REQUEST_BYTES,
  ProtocolError,
  contactSignable,
  decodeMessage,
  doneCodec,
  encodeMessage,
  errorCodec,
  proofMessageCodec,
  rawCodec,
  requestCodec,
  responseDigest,
  runChallenge
} from '../src/protocol/index.js'
import { blake2b, createDht, keyPair, muxOf, randomBytes, seedFromName, sign } from '../src/stack/index.js'
import type { BootstrapNode, Connection, Core, Dht, DhtServer, KeyPair, MuxMessage, Store } from '../src/stack/index.js'
import { sampleIndices } from '../src/proof/index.js'
import type { BlockProofBundle } from '../src/proof/index.js'

export { CHALLENGE_PROTOCOL }

/** Far above any time measured here: the runner then classifies validity only (see above). */
const MEASURE_DEADLINE_MS = 30_000
const CONNECT_TIMEOUT_MS = 10_000

export interface BenchHoster {
  readonly nodeKey: Buffer
  close(): Promise<void>
}

export interface ChallengeSample {
  /** The runner's outcome with no deadline in effect: 'pass' = a valid answer. */
  outcome: 'pass' | 'missing' | 'slow' | 'unreachable'
  code: string
  /** Time judged against the deadline: response time minus the measured round trip (v1: no ping, rtt 0). */
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

/** An honest hoster: the project's own responder over the cores it holds in `store`. */
export async function startHonestHoster(bootstrap: BootstrapNode[], name: string, store: Store, cores: Core[]): Promise<BenchHoster> {
  const kp = keyPair(seedFromName(`relay-bench-honest-${name}`))
  const byKey = new Map(cores.map((c) => [c.key.toString('hex'), c]))
  const responder = new ChallengeResponder({ keyPair: kp, lookup: (key) => byKey.get(key.toString('hex')) ?? null, maxConcurrent: 64 })
  const s = await serve(bootstrap, kp, (conn) => {
    store.replicate(conn)
    responder.attach(conn)
  })
  return {
    nodeKey: kp.publicKey,
    close: async (): Promise<void> => {
      responder.close()
      for (const c of s.conns) c.destroy()
      await s.server.close()
      await s.dht.destroy()
    }
  }
}

/**
 * A relay: a hoster identity that keeps no blocks. Per challenge it learns the indices, gets the proofs
 * from `fetch` (its source, somewhere away), and answers them as its own, signed with its node key.
 */
export async function startRelayHoster(bootstrap: BootstrapNode[], name: string, fetch: (coreKey: Uint8Array, indices: readonly number[]) => Promise<BlockProofBundle>): Promise<BenchHoster> {
  const kp = keyPair(seedFromName(`relay-bench-relay-${name}`))
  const s = await serve(bootstrap, kp, (conn) => attachRelay(conn, kp, fetch))
  return {
    nodeKey: kp.publicKey,
    close: async (): Promise<void> => {
      for (const c of s.conns) c.destroy()
      await s.server.close()
      await s.dht.destroy()
    }
  }
}

export interface ChallengeTarget {
  hosterNodeKey: Buffer
  coreKey: Buffer
  length: number
  agreementId: string
  epoch: number
  samples: number
}

/** One challenge by `attestor` (fresh connection, fresh random nonce and indices, as in v2). */
export async function challengeOnce(attestor: Dht, t: ChallengeTarget): Promise<ChallengeSample> {
  const nonce = randomBytes(32)
  const indices = sampleIndices(nonce, t.length, t.samples)
  const r = await runChallenge({
    dht: attestor,
    hosterNodeKey: t.hosterNodeKey,
    coreKey: t.coreKey,
    agreementId: t.agreementId,
    epoch: t.epoch,
    indices,
    minLength: t.length,
    deadlineMs: MEASURE_DEADLINE_MS,
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    hardTimeoutMs: MEASURE_DEADLINE_MS,
    nonce
  })
  return {
    outcome: r.outcome,
    code: r.error?.code ?? '',
    timeMs: r.responseMs ?? Number.POSITIVE_INFINITY,
    rttMs: 0,
    connectMs: r.connectMs ?? Number.NaN
  }
}

/** v1 hoster side of the relay: the same messages the real responder sends, made from fetched proofs. */
function attachRelay(conn: Connection, kp: KeyPair, fetch: (coreKey: Uint8Array, indices: readonly number[]) => Promise<BlockProofBundle>): void {
  const mux = muxOf(conn)
  mux.pair({ protocol: CHALLENGE_PROTOCOL }, () => {
    let sendProof: MuxMessage<Uint8Array> | null = null
    let sendDone: MuxMessage<Uint8Array> | null = null
    let sendError: MuxMessage<Uint8Array> | null = null
    const channel = mux.createChannel({ protocol: CHALLENGE_PROTOCOL })
    if (!channel) return
    const refuse = (message: string): void => {
      console.error(`relay: ${message}`)
      sendError?.send(encodeMessage(errorCodec, { code: 'INTERNAL', message: message.slice(0, 200) }))
    }
    channel.addMessage({
      encoding: rawCodec,
      onmessage: (bytes: Uint8Array) => {
        let req
        try {
          req = decodeMessage(requestCodec, bytes, 'challenge request', MAX_REQUEST_BYTES)
        } catch (err) {
          refuse(err instanceof ProtocolError ? err.message : String(err))
          return
        }
        const request = req
        fetch(request.coreKey, request.indices).then(
          (bundle) => {
            if (channel.closed) return
            const signature = sign(contactSignable(request.nonce, blake2b(encodeMessage(requestCodec, request)), responseDigest(bundle)), kp.secretKey)
            bundle.proofs.forEach((proof, seq) => sendProof?.send(encodeMessage(proofMessageCodec, { seq, proof })))
            sendDone?.send(encodeMessage(doneCodec, { manifest: bundle.manifest, signature }))
          },
          (err: unknown) => refuse(`fetch failed: ${(err as Error).message}`)
        )
      }
    })
    sendProof = channel.addMessage({ encoding: rawCodec })
    sendDone = channel.addMessage({ encoding: rawCodec })
    sendError = channel.addMessage({ encoding: rawCodec })
    channel.open()
  })
}
