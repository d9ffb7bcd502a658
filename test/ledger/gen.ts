// Seeded generators of random valid ops (codec property tests, fuzzing, simulator inputs).
import { defaultParams, OP_TAGS, OUTCOMES } from '../../src/ledger/index.js'
import type { FailingItem, Prng, Op, OpType } from '../../src/ledger/index.js'

export function bytes(p: Prng, n: number): Buffer {
  const b = Buffer.alloc(n)
  for (let i = 0; i < n; i++) b[i] = p.uniform(256)
  return b
}
function num(p: Prng): number {
  const r = p.uniform(4)
  return r === 0 ? p.uniform(256) : r === 1 ? p.uniform(0x10000) : r === 2 ? p.uniform(2 ** 32) : p.uniform(Number.MAX_SAFE_INTEGER)
}
function big(p: Prng): bigint {
  return p.uniformBig((1n << 64n) - 1n)
}

function randomFailing(p: Prng): FailingItem {
  const kind = p.uniform(2) === 0 ? 'proof' : 'error'
  const n = 1 + p.uniform(64)
  return {
    position: p.uniform(n),
    kind,
    errorCode: kind === 'error' ? 1 + p.uniform(255) : 0,
    proof: kind === 'proof' ? bytes(p, p.uniform(300)) : Buffer.alloc(0),
    manifest: bytes(p, p.uniform(80)),
    itemHashes: Array.from({ length: n }, () => bytes(p, 32))
  }
}

/** A random valid op of each type (used by the codec and fuzz tests). */
export function randomOp(p: Prng, type?: OpType): Op {
  const types = Object.keys(OP_TAGS) as OpType[]
  const t = type ?? types[p.uniform(types.length)]!
  const time = num(p)
  switch (t) {
    case 'init-network':
      return { type: t, time, params: defaultParams({ epochSeconds: 1 + p.uniform(86400), priceMicroPerGiBHour: big(p), samples: 1 + p.uniform(64) }), contractVersion: 1 + p.uniform(0x10000) }
    case 'add-writer':
      return { type: t, time, writerKey: bytes(p, 32), indexer: p.uniform(2) === 1 }
    case 'add-indexer':
    case 'remove-indexer':
      return { type: t, time, writerKey: bytes(p, 32) }
    case 'offer':
      return { type: t, time, capacityBytes: num(p), group: 'g' + String(p.uniform(100)) + (p.uniform(2) ? 'é' : ''), nodeKey: bytes(p, 32) }
    case 'withdraw':
      return { type: t, time }
    case 'request':
      return {
        type: t,
        time,
        cores: Array.from({ length: 1 + p.uniform(4) }, () => ({ key: bytes(p, 32), length: num(p), byteLength: num(p), fork: num(p) })),
        replicas: 1 + p.uniform(5),
        until: num(p),
        maxPrice: big(p)
      }
    case 'cancel':
      return { type: t, time, requestId: num(p) }
    case 'ready':
      return { type: t, time, agreementId: num(p), length: num(p), byteLength: num(p), fork: num(p) }
    case 'tick':
      return { type: t, time, epoch: num(p), tickTime: num(p), commit: bytes(p, 32), reveal: p.uniform(2) ? bytes(p, 32) : Buffer.alloc(0) }
    case 'report':
      return {
        type: t,
        time,
        epoch: num(p),
        results: Array.from({ length: 1 + p.uniform(5) }, () => ({
          agreementId: num(p),
          outcome: OUTCOMES[p.uniform(4)]!,
          samples: p.uniform(65),
          latencyP50Ms: p.uniform(100000),
          latencyP99Ms: p.uniform(100000),
          rttMs: p.uniform(1000),
          code: p.uniform(9),
          receipt: p.uniform(3) === 0 ? null : { nonce: bytes(p, 32), fork: num(p), length: num(p), answerHash: bytes(p, 32), signature: bytes(p, 64) },
          failing: p.uniform(3) !== 0 ? null : randomFailing(p)
        }))
      }
    case 'transfer':
    case 'sponsor':
      return { type: t, time, to: bytes(p, 32), amount: big(p) }
    case 'set-limit':
      return { type: t, time, to: bytes(p, 32), limit: big(p) }
    case 'grow':
      return { type: t, time, requestId: num(p), coreKey: bytes(p, 32), length: num(p), byteLength: num(p), fork: num(p) }
    case 'upgrade':
      // fromEpoch far beyond any fuzz run: a scheduled upgrade to an unknown version never takes effect
      // there (when it does, apply stops by design: test/ledger/upgrade.test.ts)
      return { type: t, time, contractVersion: p.uniform(0x10000), fromEpoch: 1_000_000 + p.uniform(2 ** 32) }
    case 'invite':
      return { type: t, time, hash: bytes(p, 32), credit: big(p), expiresEpoch: num(p) }
    case 'redeem':
      return { type: t, time, writerKey: bytes(p, 32), secret: bytes(p, 32) }
    case 'round':
      return { type: t, time, epoch: p.uniform(100), index: p.uniform(8641), link: bytes(p, 32), upTo: num(p) }
    case 'prove-size':
      return { type: t, time, requestId: num(p), coreKey: bytes(p, 32), manifest: bytes(p, p.uniform(80)), proof: bytes(p, p.uniform(300)) }
    case 'extend':
      return { type: t, time, requestId: num(p), cores: Array.from({ length: 1 + p.uniform(4) }, () => ({ key: bytes(p, 32), length: num(p), byteLength: num(p), fork: num(p) })) }
  }
}

