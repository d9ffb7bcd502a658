// The deterministic simulator: the SAME pure contract (`apply` over a MemoryKV) driven by simulated
// nodes and virtual time. Every op is encoded with `encodeOp` and applied with the author's real
// ed25519 writer key (derived from its name and the seed). Nodes act like the real roles: hosters
// offer and post `ready`, publishers request cores, indexers tick with commit–reveal, and the
// attestors the contract selected challenge (drawing the real `challengeIndices`) and report, one
// batched op per attestor per epoch. Outcomes, balances and reputations are read from the contract's
// state and events; the simulator's own bookkeeping is a mirror of the contract's events, O(n) per epoch.
import { performance } from 'node:perf_hooks'
import { blake2b, keyPair, seedFromName } from '../stack/crypto.js'
import { answerHash, challengeIndicesV2, itemHash, ItemError, JudgementCode, signReceipt } from '../proof/receipt.js'
import type { AnswerItem } from '../proof/receipt.js'
import {
  apply,
  chainCommit,
  chainLink,
  decodeRecord,
  digest,
  encodeOp,
  keys,
  MemoryKV,
  Prng,
  attestScorePpm,
  reputationPpm,
  secretFor,
  checkInvariants,
  isVetted
} from '../ledger/index.js'
import type { Account, Agreement, ApplyResult, Attestation, EndReason, EpochRecord, FreshQueue, Hex, LedgerEvent, NetworkMeta, Op, Outcome, ReportResult, RoundChain } from '../ledger/index.js'
import { MAX_REPORT_RESULTS } from '../ledger/index.js'
import { hosterLabel, indexerLabel, publisherLabel, resolveConfig, sybilLabel } from './scenarios.js'
import type {
  AccountFlow,
  AccountPoint,
  Behaviour,
  DetectionStats,
  EpochOutcome,
  FlowPoint,
  FlowTotals,
  Incident,
  IncidentKind,
  ResolvedConfig,
  Role,
  SimConfig,
  SybilStats,
  SimReport
} from './types.js'

/** Ledger time of genesis, ms. */
const GENESIS_TIME = 1_700_000_000_000
/** Challenge deadline a slow hoster misses, ms (for the reported latencies only). */
const DEADLINE_MS = 2_000

interface Node {
  label: string
  role: Role
  key: Buffer
  hex: Hex
  seq: number
  behaviour: Behaviour
  beaconSeed: Buffer
  /** Node (DHT) key of its offer; its secret signs the receipts of its answers. */
  nodeKey: Buffer
  nodeSecret: Buffer
  /** attestDisagreed at the last flow sample (to count honest attestors penalised). */
  lastDisagreed: number
}

/** What a simulated challenge produced: the outcome, and for a loss the position of the first lost block. */
interface Observed {
  outcome: Outcome
  /** missing: position (in the challenge) of the block the hoster admits it lost. */
  lostPosition: number
  code: number
  /** Whether the hoster signed an answer (pass, missing, or a late answer). */
  answered: boolean
  latencyMs: number
}

interface AgMirror {
  id: number
  requestId: number
  coreKey: Hex
  hoster: Node
  state: 'pinning' | 'active' | 'ended'
  createdEpoch: number
  /** Recorded length (blocks), known once the hoster read the agreement to post ready. */
  length: number
}

export interface SimHooks {
  /** Called after each epoch is settled (progress output). */
  onEpoch?: (o: EpochOutcome) => void
  /** Called with every op applied, in order (to replay the same log elsewhere, e.g. benchmarks). */
  onOp?: (op: { bytes: Uint8Array; writerKey: Buffer; opId: string }) => void
}

/** Small fast PRNG for the simulator's own non-contract noise (latencies). Deterministic from the seed. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return (t ^ (t >>> 14)) >>> 0
  }
}

function u32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4)
  b.writeUInt32BE(n >>> 0)
  return b
}

const zeroTotals = (): FlowTotals => ({ balance: 0n, heldBack: 0n, given: 0n, received: 0n })

function inRange(e: number, from: number, to: number): boolean {
  return e >= from && e <= to
}

/**
 * A MemoryKV that stores a private copy of each value. The contract's records are small Buffers cut from
 * Node's shared 8 KiB allocation pool; keeping them as they come pins whole pool slabs for every
 * surviving record (RSS grew to ~7× the heap at 10,000 agreements). Same contents, same digest.
 */
export class CompactKV extends MemoryKV {
  override put(key: string, value: Uint8Array): Promise<void> {
    return super.put(key, new Uint8Array(value))
  }
}

export class Simulator {
  readonly cfg: ResolvedConfig
  readonly kv: MemoryKV = new CompactKV()
  private readonly seedBuf: Buffer
  private readonly nodes: Node[] = []
  private readonly indexers: Node[] = []
  private readonly hosters: Node[] = []
  private readonly publishers: Node[] = []
  /** The Sybil operator's identities (SimConfig.sybil), also hosters. */
  private readonly sybils: Node[] = []
  /** Whether the Sybil identities are members yet; cores matched since then; cores it ever held every replica of, or was the sole holder of. */
  private sybilsIn = false
  private readonly coresExposed = new Set<Hex>()
  private readonly coresEverAll = new Set<Hex>()
  private readonly coresEverSole = new Set<Hex>()
  private readonly coresEverTwo = new Set<Hex>()
  private sybilVettedEpoch = 0
  private readonly byHex = new Map<Hex, Node>()
  private readonly mirror = new Map<number, AgMirror>()
  private readonly pinning = new Set<number>()
  private readonly incidents: Incident[] = []
  private readonly incidentOf = new Map<number, Incident>()
  /** Failed agreements' incidents waiting for a replacement, by `${requestId}:${coreKey}`. */
  private readonly awaitingRepair = new Map<string, Incident[]>()
  /** Replacement agreement id → the incident it repairs. */
  private readonly repairOf = new Map<number, Incident>()
  private readonly lost = new Map<string, Set<number>>()
  private readonly outcomes = new Map<number, EpochOutcome>()
  private readonly flows: FlowPoint[] = []
  private readonly tracked = new Map<string, AccountPoint[]>()
  private readonly noise: () => number
  private epoch = 0
  private time = GENESIS_TIME
  private honestPenalties = 0
  private agreementsCreated = 0
  private readonly ops = { applied: 0, accepted: 0, rejected: 0, byType: {} as Record<string, number>, rejectedByReason: {} as Record<string, number> }
  private readonly refusedResults: Record<string, number> = {}
  private weakEpochs = 0
  private readonly endedHonest: Partial<Record<EndReason, number>> = {}
  private networkId: Buffer = Buffer.alloc(32)
  private peakRss = 0
  /** Wall time inside the contract's apply, ms. */
  private applyMs = 0
  private peakHeap = 0

  private readonly hooks: SimHooks

  constructor(config: SimConfig, hooks: SimHooks = {}) {
    this.hooks = hooks
    this.cfg = resolveConfig(config)
    this.seedBuf = u32(this.cfg.seed)
    this.noise = mulberry32(this.cfg.seed ^ 0x5eed)
    const mk = (label: string, role: Role): Node => {
      const name = `favor-sim/${this.cfg.seed}/${label}`
      const kp = keyPair(seedFromName(name))
      const node = keyPair(seedFromName(`${name}/node`))
      const n: Node = {
        label,
        role,
        key: kp.publicKey,
        hex: kp.publicKey.toString('hex'),
        seq: 0,
        behaviour: this.cfg.behaviours[label] ?? { kind: 'honest' },
        beaconSeed: seedFromName(`${name}/beacon`),
        nodeKey: node.publicKey,
        nodeSecret: node.secretKey,
        lastDisagreed: 0
      }
      this.nodes.push(n)
      this.byHex.set(n.hex, n)
      return n
    }
    for (let i = 0; i < this.cfg.indexers; i++) this.indexers.push(mk(indexerLabel(i), 'indexer'))
    for (let i = 0; i < this.cfg.hosters; i++) this.hosters.push(mk(hosterLabel(i), 'hoster'))
    for (let i = 0; i < this.cfg.publishers; i++) this.publishers.push(mk(publisherLabel(i), 'publisher'))
    for (let i = 0; i < (this.cfg.sybil?.identities ?? 0); i++) this.sybils.push(mk(sybilLabel(i), 'hoster'))
    for (const t of this.cfg.track) this.tracked.set(t, [])
  }

  // --- applying ops ---

  private async send(node: Node, op: Op): Promise<ApplyResult> {
    const bytes = encodeOp(op)
    const opId = `${node.hex}:${node.seq++}`
    this.hooks.onOp?.({ bytes, writerKey: node.key, opId })
    const t = performance.now()
    const r = await apply(this.kv, bytes, { writerKey: node.key, opId })
    this.applyMs += performance.now() - t
    this.ops.applied++
    this.ops.byType[op.type] = (this.ops.byType[op.type] ?? 0) + 1
    const eo = this.outcomes.get(this.epoch)
    if (eo !== undefined) eo.ops++
    if (this.cfg.checkInvariants) {
      const broken = await checkInvariants(this.kv)
      if (broken !== null) throw new Error(`invariant broken after ${op.type} (${r.ok ? 'accepted' : r.code}): ${broken}`)
    }
    if (r.ok) {
      this.ops.accepted++
      this.onEvents(r.effects.events)
    } else {
      this.ops.rejected++
      // grouped by the stable code (the reason's numbers vary op to op)
      this.ops.rejectedByReason[r.code] = (this.ops.rejectedByReason[r.code] ?? 0) + 1
      if (eo !== undefined) eo.rejected++
    }
    return r
  }

  private read<T>(key: string): T | null {
    const raw = this.kv.getSync(key)
    return raw === null ? null : decodeRecord<T>(raw)
  }

  /**
   * Plain JSON read for records the simulator only needs integer/string fields of (attestations, epoch
   * records, agreement lengths): the same canonical JSON, without decodeRecord's bigint reviver (a bigint
   * field stays its `{"$b": …}` object and is not used).
   */
  private readPlain<T>(key: string): T | null {
    const raw = this.kv.getSync(key)
    return raw === null ? null : (JSON.parse(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('utf8')) as T)
  }

  private newOutcome(epoch: number, time: number): EpochOutcome {
    return {
      epoch,
      time,
      settled: 0,
      passed: 0,
      failed: 0,
      noOutcome: 0,
      paidMicro: 0n,
      ended: 0,
      failing: { missing: 0, slow: 0, unreachable: 0 },
      created: 0,
      activated: 0,
      endedBy: {},
      ops: 0,
      rejected: 0,
      reportResults: 0,
      auditBlocks: 0,
      wallMs: 0
    }
  }

  // --- the contract's events → mirror ---

  private onEvents(events: readonly LedgerEvent[]): void {
    let cur = this.epoch
    for (const ev of events) {
      if (ev.type === 'epoch-started') {
        cur = ev.epoch
        if (ev.weak) this.weakEpochs++
      } else if (ev.type === 'result-refused') {
        this.refusedResults[ev.code] = (this.refusedResults[ev.code] ?? 0) + 1
      }
    }
    if (cur !== this.epoch && !this.outcomes.has(cur)) {
      const started = events.find((e) => e.type === 'epoch-started')
      this.outcomes.set(cur, this.newOutcome(cur, started?.type === 'epoch-started' ? started.time : 0))
    }
    const eo = this.outcomes.get(cur)
    for (const ev of events) {
      switch (ev.type) {
        case 'agreement-created': {
          const hoster = this.byHex.get(ev.hoster)
          if (hoster === undefined) break
          this.agreementsCreated++
          if (this.sybilsIn) this.coresExposed.add(ev.coreKey)
          this.mirror.set(ev.agreementId, { id: ev.agreementId, requestId: ev.requestId, coreKey: ev.coreKey, hoster, state: 'pinning', createdEpoch: cur, length: 0 })
          this.pinning.add(ev.agreementId)
          if (eo !== undefined) eo.created++
          let inc: Incident | undefined
          if (ev.replaces !== 0) inc = this.incidentOf.get(ev.replaces)
          else inc = this.awaitingRepair.get(`${ev.requestId}:${ev.coreKey}`)?.shift()
          if (inc !== undefined && inc.repairAgreementId === null) {
            inc.repairAgreementId = ev.agreementId
            inc.repairHoster = hoster.label
            this.repairOf.set(ev.agreementId, inc)
          }
          break
        }
        case 'agreement-active': {
          const m = this.mirror.get(ev.agreementId)
          if (m !== undefined) m.state = 'active'
          this.pinning.delete(ev.agreementId)
          if (eo !== undefined) eo.activated++
          const inc = this.repairOf.get(ev.agreementId)
          if (inc !== undefined && inc.repairActiveEpoch === null) inc.repairActiveEpoch = cur
          break
        }
        case 'agreement-ended': {
          const m = this.mirror.get(ev.agreementId)
          if (m !== undefined) m.state = 'ended'
          this.pinning.delete(ev.agreementId)
          if (eo !== undefined) eo.endedBy[ev.reason] = (eo.endedBy[ev.reason] ?? 0) + 1
          if (m !== undefined && m.hoster.behaviour.kind === 'honest') this.endedHonest[ev.reason] = (this.endedHonest[ev.reason] ?? 0) + 1
          const inc = this.incidentOf.get(ev.agreementId)
          if (inc !== undefined && inc.endedEpoch === null) {
            inc.endedEpoch = cur
            inc.endReason = ev.reason
            if (ev.reason === 'failed' && inc.repairAgreementId === null) this.awaitRepair(inc, m)
          }
          // a replacement that ended before it became active: the incident waits for the next one
          const rep = this.repairOf.get(ev.agreementId)
          if (rep !== undefined && rep.repairActiveEpoch === null) {
            this.repairOf.delete(ev.agreementId)
            rep.repairAgreementId = null
            rep.repairHoster = null
            if (rep.endReason === 'failed') this.awaitRepair(rep, this.mirror.get(rep.agreementId))
          }
          break
        }
        case 'agreement-exiting': {
          const m = this.mirror.get(ev.agreementId)
          if (m !== undefined && !this.incidentOf.has(ev.agreementId)) this.openIncident('withdraw', m, cur)
          break
        }
        case 'agreement-warning': {
          const settled = this.outcomes.get(cur - 1)
          if (settled !== undefined) settled.failing[ev.outcome as Exclude<Outcome, 'pass'>]++
          const inc = this.incidentOf.get(ev.agreementId)
          if (inc !== undefined && inc.firstFailEpoch === null && inc.startEpoch <= cur - 1) inc.firstFailEpoch = cur - 1
          break
        }
        case 'epoch-settled': {
          const o = this.outcomes.get(ev.epoch)
          if (o !== undefined) {
            o.settled = ev.summary.settled
            o.passed = ev.summary.passed
            o.failed = ev.summary.failed
            o.noOutcome = ev.summary.noOutcome
            o.paidMicro = ev.summary.paidMicro
            o.ended = ev.summary.ended
          }
          break
        }
        default:
          break
      }
    }
    this.epoch = cur
  }

  private awaitRepair(inc: Incident, m: AgMirror | undefined): void {
    if (m === undefined) return
    const k = `${m.requestId}:${m.coreKey}`
    const q = this.awaitingRepair.get(k) ?? []
    q.push(inc)
    this.awaitingRepair.set(k, q)
  }

  private openIncident(kind: IncidentKind, m: AgMirror, start: number): Incident {
    const inc: Incident = {
      kind,
      agreementId: m.id,
      requestId: m.requestId,
      hoster: m.hoster.label,
      startEpoch: start,
      startSamples: 0,
      firstReportEpoch: null,
      firstFailEpoch: null,
      endedEpoch: null,
      endReason: null,
      repairAgreementId: null,
      repairHoster: null,
      repairActiveEpoch: null
    }
    this.incidents.push(inc)
    this.incidentOf.set(m.id, inc)
    return inc
  }

  // --- behaviours ---

  private offlineAt(n: Node, e: number): boolean {
    return n.behaviour.kind === 'offline' && inRange(e, n.behaviour.from, n.behaviour.to)
  }

  /** The kind of incident a hoster's agreement is in at epoch e (null: the hoster serves it correctly). */
  private faultAt(h: Node, e: number): IncidentKind | null {
    const b = h.behaviour
    if (b.kind === 'offline' && inRange(e, b.from, b.to)) return 'offline'
    if (b.kind === 'slow' && inRange(e, b.from, b.to)) return 'slow'
    if (b.kind === 'lossy' && e >= b.from) return 'lossy'
    if (b.kind === 'relay') return 'relay'
    return null
  }

  /** Blocks a lossy hoster lost of one core: a seeded sample of ⌊fraction × length⌉ indices. */
  private lostBlocks(h: Node, m: AgMirror, fraction: number): Set<number> {
    const k = `${h.hex}:${m.coreKey}`
    let s = this.lost.get(k)
    if (s === undefined) {
      const n = Math.min(m.length, Math.round(fraction * m.length))
      s = new Set(Prng.from('favor/sim/lost/1', this.seedBuf, h.key, Buffer.from(m.coreKey, 'hex')).sampleDistinct(m.length, n))
      this.lost.set(k, s)
    }
    return s
  }

  /** An overcommitting hoster keeps its cores in agreement order up to its real bytes. */
  private keeps(h: Node, m: AgMirror, realBytes: number): boolean {
    const bytes = this.cfg.coreBlocks * this.cfg.blockBytes
    let before = 0
    for (const x of this.mirror.values()) if (x.hoster === h && x.state !== 'ended' && x.id < m.id) before++
    return (before + 1) * bytes <= realBytes
  }

  /** Cores whose live replicas are all the Sybil operator's now (after a tick: matching done). */
  private sampleCapture(): void {
    if (!this.sybilsIn || this.cfg.replicas < 2) return
    if (this.sybilVettedEpoch === 0) {
      const meta = this.read<NetworkMeta>(keys.meta)
      const vetted = this.sybils.filter((n) => {
        const a = this.read<Account>(keys.account(n.hex))
        return a !== null && meta !== null && isVetted(a, meta.params)
      }).length
      if (vetted >= 2) this.sybilVettedEpoch = this.epoch
    }
    const perCore = new Map<Hex, { all: number; mine: number }>()
    for (const m of this.mirror.values()) {
      if (m.state === 'ended') continue
      const pc = perCore.get(m.coreKey) ?? { all: 0, mine: 0 }
      pc.all++
      if (this.sybils.includes(m.hoster)) pc.mine++
      perCore.set(m.coreKey, pc)
    }
    for (const [k, pc] of perCore) {
      if (pc.mine >= 2) this.coresEverTwo.add(k)
      if (pc.mine === 0 || pc.mine < pc.all) continue
      this.coresEverSole.add(k)
      if (pc.all >= this.cfg.replicas) this.coresEverAll.add(k)
    }
  }

  /** The Sybil operator's share of the live replicas created after epoch `join` started (its join tick excluded). */
  private shareSince(join: number): number {
    let all = 0
    let mine = 0
    for (const m of this.mirror.values()) {
      if (m.state === 'ended' || (join > 0 && m.createdEpoch <= join)) continue
      all++
      if (this.sybils.includes(m.hoster)) mine++
    }
    return all === 0 ? 0 : mine / all
  }

  /** What the Sybil operator got at the end (SimConfig.sybil). */
  private sybilStats(): SybilStats | null {
    const c = this.cfg.sybil
    if (c === null) return null
    const mine = new Set(this.sybils.map((n) => n.hex))
    let proven = 0
    let provenMine = 0
    let favor = 0n
    let favorMine = 0n
    for (const n of this.nodes) {
      const a = this.read<Account>(keys.account(n.hex))
      if (a === null) continue
      proven += a.provenBytes
      if (mine.has(n.hex)) provenMine += a.provenBytes
      if (n.role === 'publisher') continue
      const held = a.balance + a.heldBack
      if (held > 0n) {
        favor += held
        if (mine.has(n.hex)) favorMine += held
      }
    }
    let live = 0
    let liveMine = 0
    const perCore = new Map<string, { all: number; mine: number }>()
    let failed = 0
    let paid = 0
    let paidMine = 0
    for (const id of this.mirror.keys()) {
      const a = this.readPlain<Agreement>(keys.agreement(id))
      if (a === null) continue
      paid += a.passes
      if (mine.has(a.hoster)) paidMine += a.passes
      if (a.state === 'ended') {
        if (mine.has(a.hoster) && a.endReason === 'failed') failed++
        continue
      }
      live++
      const k = `${a.requestId}:${a.coreIndex}`
      const pc = perCore.get(k) ?? { all: 0, mine: 0 }
      pc.all++
      if (mine.has(a.hoster)) {
        liveMine++
        pc.mine++
      }
      perCore.set(k, pc)
    }
    const counted = this.cfg.replicas >= 2 ? [...perCore.values()] : []
    let attested = 0
    let colluding = 0
    for (let e = 1; e <= this.epoch; e++) {
      const rec = this.readPlain<EpochRecord>(keys.epoch(e))
      for (const id of rec?.attested ?? []) {
        const att = this.readPlain<Attestation>(keys.attest(e, id))
        const agr = this.readPlain<Agreement>(keys.agreement(id))
        if (att === null || agr === null || !mine.has(agr.hoster)) continue
        attested++
        if (att.attestors.filter((x) => mine.has(x)).length * 2 > att.attestors.length) colluding++
      }
    }
    return {
      identities: c.identities,
      realShare: c.realShare,
      vouching: c.vouching ?? 'lineage',
      provenShare: proven === 0 ? 0 : provenMine / proven,
      replicaShare: live === 0 ? 0 : liveMine / live,
      replicaShareSinceJoin: this.shareSince(this.sybilJoinEpoch),
      coresAllSybil: counted.filter((x) => x.mine > 0 && x.mine === x.all).length,
      cores: counted.length,
      coresEverAllSybil: this.coresEverAll.size,
      coresEverSoleSybil: this.coresEverSole.size,
      coresEverTwoSybil: this.coresEverTwo.size,
      coresExposed: this.coresExposed.size,
      vettedEpoch: this.sybilVettedEpoch,
      coresExposedVetted: this.sybilVettedEpoch === 0 ? 0 : new Set([...this.mirror.values()].filter((m) => m.createdEpoch >= this.sybilVettedEpoch).map((m) => m.coreKey)).size,
      favorShare: favor === 0n ? 0 : Number((favorMine * 1_000_000n) / favor) / 1e6,
      failedOnSybil: failed,
      paidOnSybil: paidMine,
      paidTotal: paid,
      attestedOnSybil: attested,
      attestMajoritySybil: colluding
    }
  }

  /** A normal deviate from the simulator's noise (Box–Muller), for relay latencies. */
  private gaussian(): number {
    const u = ((this.noise() % 1_000_000) + 1) / 1_000_001
    const v = (this.noise() % 1_000_000) / 1_000_000
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
  }

  /** What an honest attestor observes when it challenges agreement `m` in epoch e with these indices. */
  private challenge(m: AgMirror, e: number, indices: readonly number[]): Observed {
    const h = m.hoster
    const fault = this.faultAt(h, e)
    const ok: Observed = { outcome: 'pass', lostPosition: -1, code: JudgementCode.NONE, answered: true, latencyMs: 15 + (this.noise() % 40) }
    if (fault === 'offline') return { outcome: 'unreachable', lostPosition: -1, code: JudgementCode.CONNECT_TIMEOUT, answered: false, latencyMs: 0 }
    if (fault === 'slow') return { outcome: 'slow', lostPosition: -1, code: JudgementCode.LATE, answered: true, latencyMs: DEADLINE_MS + (this.noise() % 3000) }
    if (fault === 'relay' && h.behaviour.kind === 'relay') {
      const b = h.behaviour
      const latencyMs = Math.max(0, Math.round(b.delayMs + b.jitterMs * this.gaussian()))
      return latencyMs > b.deadlineMs ? { outcome: 'slow', lostPosition: -1, code: JudgementCode.LATE, answered: true, latencyMs } : { ...ok, latencyMs }
    }
    if (h.behaviour.kind === 'overcommit' && !this.keeps(h, m, h.behaviour.realBytes)) {
      return { outcome: 'missing', lostPosition: 0, code: JudgementCode.NONE, answered: true, latencyMs: ok.latencyMs }
    }
    if (fault === 'lossy' && h.behaviour.kind === 'lossy') {
      const lost = this.lostBlocks(h, m, h.behaviour.fraction)
      const at = indices.findIndex((i) => lost.has(i))
      if (at < 0) return ok
      if (h.behaviour.mode === 'silent') return { outcome: 'slow', lostPosition: -1, code: JudgementCode.NO_ANSWER, answered: false, latencyMs: 0 }
      return { outcome: 'missing', lostPosition: at, code: JudgementCode.NONE, answered: true, latencyMs: ok.latencyMs }
    }
    return ok
  }

  /**
   * The report result with its evidence: the hoster signs a receipt over its answer (opaque proof items,
   * and a NOT_HELD error at the lost position) with its node key; `signer` other than the hoster forges.
   */
  private result(agreementId: number, e: number, att: Attestation, attestor: Node, nonce: Buffer, indices: readonly number[], o: Observed, signer: Node | null): ReportResult {
    let p50 = 0
    let p99 = 0
    if (o.answered) {
      p50 = o.latencyMs
      p99 = p50 + (this.noise() % 120)
    }
    const base: ReportResult = { agreementId, outcome: o.outcome, samples: indices.length, latencyP50Ms: p50, latencyP99Ms: p99, rttMs: 1 + (this.noise() % 5), code: o.code, receipt: null, failing: null }
    if (!o.answered || signer === null) return base
    // the contract opens the answer only for a `missing`: a pass commits to an answer the simulator does not
    // materialise (one hash instead of one per block; the receipt is signed over it all the same)
    const manifest = new Uint8Array(0)
    let hashes: Buffer[] = []
    let ah: Buffer
    if (o.outcome === 'missing') {
      const items: AnswerItem[] = indices.map((index, i) => (i === o.lostPosition ? { kind: 'error', code: ItemError.NOT_HELD } : { kind: 'proof', proof: u32(index) }))
      hashes = items.map((it, i) => itemHash(i, indices[i] as number, it))
      ah = answerHash(manifest, hashes)
    } else {
      ah = blake2b([Buffer.from('favor-sim/answer'), nonce])
    }
    const signature = signReceipt({ networkId: this.networkId, agreementId, epoch: e, attestorKey: attestor.key, nonce, answerHash: ah, fork: att.fork, length: att.length }, signer.nodeSecret)
    const receipt = { nonce, fork: att.fork, length: att.length, answerHash: ah, signature }
    if (o.outcome !== 'missing') return { ...base, receipt }
    return { ...base, receipt, failing: { position: o.lostPosition, kind: 'error', errorCode: ItemError.NOT_HELD, proof: new Uint8Array(0), manifest, itemHashes: hashes } }
  }

  // --- the run ---

  /** The current ledger epoch. */
  get currentEpoch(): number {
    return this.epoch
  }

  /** Genesis, admissions, offers and requests (epoch 0), then the first tick (epoch 1: matching). */
  async start(): Promise<void> {
    await this.setup()
    await this.tick()
  }

  /** What the nodes do while the current epoch lasts: withdrawals, `ready`, challenges and reports. */
  async actCurrent(): Promise<void> {
    await this.act(this.epoch)
  }

  /** The indexers tick the next epoch (its start settles the current one). */
  async tickNext(): Promise<void> {
    await this.tick()
  }

  /** Run every epoch and return the report. */
  async run(hooks: SimHooks = this.hooks): Promise<SimReport> {
    const t0 = performance.now()
    await this.setup()
    const t1 = performance.now()
    this.sampleMemory()
    for (let e = 1; e <= this.cfg.epochs; e++) {
      const te = performance.now()
      if (e === 1) await this.tick()
      await this.act(this.epoch)
      const acted = this.epoch
      await this.tick()
      this.sampleFlows(acted)
      this.sampleCapture()
      this.sampleMemory()
      const o = this.outcomes.get(acted)
      if (o !== undefined) {
        o.wallMs = performance.now() - te
        hooks.onEpoch?.(o)
      }
    }
    const t2 = performance.now()
    const report = this.report()
    report.perf = {
      setupMs: t1 - t0,
      runMs: t2 - t1,
      wallMs: performance.now() - t0,
      epochsPerSec: this.cfg.epochs / ((t2 - t1) / 1000),
      opsPerSec: this.ops.applied / ((t2 - t0) / 1000),
      peakRssBytes: this.peakRss,
      peakHeapBytes: this.peakHeap,
      kvEntries: this.kv.size,
      applyMs: this.applyMs
    }
    return report
  }

  private sampleMemory(): void {
    const m = process.memoryUsage()
    if (m.rss > this.peakRss) this.peakRss = m.rss
    if (m.heapUsed > this.peakHeap) this.peakHeap = m.heapUsed
  }

  private async setup(): Promise<void> {
    const c = this.cfg
    const boot = this.indexers[0] as Node
    await this.send(boot, { type: 'init-network', time: this.time, params: c.params })
    // the indexers are admitted first: the contract promotes members in admission order up to indexerTarget
    const lateSybils = this.sybilJoinEpoch > 0
    for (const n of this.nodes) {
      if (n === boot || (lateSybils && this.sybils.includes(n))) continue
      await this.send(this.sponsorOf(n), { type: 'add-writer', time: this.time, writerKey: n.key, indexer: false })
    }
    const meta = this.read<NetworkMeta>(keys.meta)
    if (meta !== null) this.networkId = Buffer.from(meta.genesisBeacon, 'hex')
    const cores = Math.ceil(c.agreements / c.replicas)
    for (const [i, h] of this.hosters.entries()) {
      const group = c.hosterGroups > 0 ? `g${i % c.hosterGroups}` : ''
      await this.send(h, { type: 'offer', time: this.time, capacityBytes: this.honestCapacity, group, nodeKey: h.nodeKey })
    }
    if (!lateSybils) await this.offerSybils()
    this.sybilsIn = this.sybils.length > 0 && !lateSybils
    // cores round-robin over publishers, `coresPerRequest` per request op
    await this.requestCores(0, cores)
  }

  /** Capacity each honest hoster offers: three times its share of all the cores requested in the run. */
  private get honestCapacity(): number {
    const c = this.cfg
    const coreBytes = c.coreBlocks * c.blockBytes
    const cores = Math.ceil(c.agreements / c.replicas) + c.arrivalCoresPerEpoch * c.epochs
    return Math.max(coreBytes * 2, Math.ceil((3 * coreBytes * cores * c.replicas) / c.hosters))
  }

  /** Epoch the Sybil operator's identities join in (0: at genesis). */
  private get sybilJoinEpoch(): number {
    return this.cfg.sybil === null ? 0 : Math.max(0, this.cfg.sybil.joinEpoch ?? 0)
  }

  /**
   * Who admits a node: the genesis admin, except for a Sybil operator's identities after the first, which the
   * first vouches for (one lineage) unless the admin was fooled into vouching for each.
   */
  private sponsorOf(n: Node): Node {
    const boot = this.indexers[0] as Node
    const first = this.sybils[0]
    return this.sybils.includes(n) && n !== first && first !== undefined && this.cfg.sybil?.vouching !== 'admin' ? first : boot
  }

  /** The Sybil identities offer: each declares far more than it has; its real capacity is x of the whole. */
  private async offerSybils(): Promise<void> {
    const c = this.cfg
    if (c.sybil === null || this.sybils.length === 0) return
    // real capacity x of the whole: x / (1 − x) of the honest hosters' capacity, split over the identities
    const x = Math.min(0.95, Math.max(0, c.sybil.realShare))
    const real = Math.floor((x / (1 - x)) * this.honestCapacity * c.hosters / this.sybils.length)
    for (const n of this.sybils) {
      n.behaviour = { kind: 'overcommit', realBytes: real }
      await this.send(n, { type: 'offer', time: this.time, capacityBytes: c.sybil.declaredBytes ?? 2 ** 50, group: '', nodeKey: n.nodeKey })
    }
  }

  /** Cores [from, from + count) requested round-robin over the publishers, `coresPerRequest` per op. */
  private async requestCores(from: number, count: number): Promise<void> {
    const c = this.cfg
    const coreBytes = c.coreBlocks * c.blockBytes
    const byPublisher: number[][] = this.publishers.map(() => [])
    for (let k = from; k < from + count; k++) byPublisher[k % this.publishers.length]?.push(k)
    for (const [p, list] of byPublisher.entries()) {
      const pub = this.publishers[p] as Node
      for (let i = 0; i < list.length; i += c.coresPerRequest) {
        const chunk = list.slice(i, i + c.coresPerRequest)
        await this.send(pub, {
          type: 'request',
          time: this.time,
          cores: chunk.map((k) => ({ key: blake2b([Buffer.from('favor-sim/core'), this.seedBuf, u32(k)]), length: c.coreBlocks, byteLength: coreBytes, fork: 0 })),
          replicas: c.replicas,
          until: c.epochs + 1_000,
          maxPrice: c.params.priceMicroPerGiBHour
        })
      }
    }
  }

  /** Every online indexer ticks the next epoch (commit–reveal with secrets derived from the seed). */
  private async tick(): Promise<void> {
    const next = this.epoch + 1
    this.time += this.cfg.params.epochSeconds * 1000
    const meta = this.read<NetworkMeta>(keys.meta)
    for (const hex of meta?.indexers ?? []) {
      const n = this.byHex.get(hex)
      if (n === undefined || this.offlineAt(n, this.epoch)) continue
      const acct = this.read<Account>(keys.account(hex))
      const due = acct !== null && acct.commit !== '' && acct.commitEpoch === next
      const reveal = due ? secretFor(n.beaconSeed, next) : new Uint8Array(0)
      await this.send(n, { type: 'tick', time: this.time, epoch: next, tickTime: this.time, commit: chainCommit(secretFor(n.beaconSeed, next + 1), this.cfg.params.roundsPerEpoch), reveal })
    }
  }

  /**
   * A matching round (src/ledger/rounds.ts) when requests wait in the fresh queue: the first online indexer
   * in this epoch's turn reveals the next link of its chain. Virtual time has no finality lag: upTo is the
   * whole queue.
   */
  private async round(e: number): Promise<void> {
    const rounds = this.cfg.params.roundsPerEpoch
    const q = this.read<FreshQueue>(keys.fresh)
    if (rounds === 0 || q === null || q.entries.length === 0) return
    const list = this.read<NetworkMeta>(keys.meta)?.indexers ?? []
    for (let i = 0; i < list.length; i++) {
      const hex = list[(e + i) % list.length] as Hex
      const n = this.byHex.get(hex)
      if (n === undefined || this.offlineAt(n, e)) continue
      const acct = this.read<Account>(keys.account(hex))
      if (acct === null || acct.commit === '' || acct.commitEpoch !== e + 1) continue
      const chain = this.read<RoundChain>(keys.round(hex))
      const index = (chain !== null && chain.epoch === e && chain.commit === acct.commit ? chain.index : 0) + 1
      if (index > rounds) continue
      await this.send(n, { type: 'round', time: this.time, epoch: e, index, link: chainLink(secretFor(n.beaconSeed, e + 1), rounds, index), upTo: q.next })
      return
    }
  }

  /** Everything the nodes do while epoch e is current. */
  private async act(e: number): Promise<void> {
    // a Sybil operator joining a running network, and new requests (matched at the next tick)
    if (e > 0 && e === this.sybilJoinEpoch) {
      for (const n of this.sybils) await this.send(this.sponsorOf(n), { type: 'add-writer', time: this.time, writerKey: n.key, indexer: false })
      await this.offerSybils()
      this.sybilsIn = this.sybils.length > 0
    }
    if (this.cfg.arrivalCoresPerEpoch > 0 && e >= 1) {
      await this.requestCores(Math.ceil(this.cfg.agreements / this.cfg.replicas) + (e - 1) * this.cfg.arrivalCoresPerEpoch, this.cfg.arrivalCoresPerEpoch)
    }
    // withdrawals
    for (const h of this.hosters) {
      if (h.behaviour.kind === 'withdraws' && h.behaviour.at === e) await this.send(h, { type: 'withdraw', time: this.time })
    }
    // new requests and repair slots are matched in a round, before the epoch ends
    await this.round(e)
    // hosters that finished mirroring post ready (reading the recorded length from the contract)
    for (const id of [...this.pinning]) {
      const m = this.mirror.get(id)
      if (m === undefined || this.offlineAt(m.hoster, e) || e < m.createdEpoch + this.cfg.mirrorEpochs) continue
      const a = this.readPlain<Agreement>(keys.agreement(id))
      if (a === null || a.state !== 'pinning') continue
      m.length = a.length
      await this.send(m.hoster, { type: 'ready', time: this.time, agreementId: id, length: a.length, byteLength: a.byteLength, fork: a.fork })
    }
    // the selected attestors challenge and report, one batch per attestor
    const rec = this.readPlain<EpochRecord>(keys.epoch(e))
    if (rec === null || !rec.started) return
    const beacon = Buffer.from(rec.beacon, 'hex')
    const batches = new Map<Node, ReportResult[]>()
    const checks: Incident[] = []
    let results = 0
    let auditBlocks = 0
    for (const id of rec.attested) {
      const att = this.readPlain<Attestation>(keys.attest(e, id))
      const m = this.mirror.get(id)
      if (att === null || m === undefined) continue
      if (m.length === 0) m.length = this.readPlain<Agreement>(keys.agreement(id))?.length ?? 0
      auditBlocks += Math.min(att.samples, att.length) * att.attestors.length
      const fault = this.faultAt(m.hoster, e)
      if (fault !== null) {
        const inc = this.incidentOf.get(id) ?? this.openIncident(fault, m, e)
        if (inc.startEpoch === e) inc.startSamples = att.samples
        checks.push(inc)
      }
      for (const [i, hex] of att.attestors.entries()) {
        if (att.results[i] !== null) continue
        const a = this.byHex.get(hex)
        if (a === undefined || this.offlineAt(a, e)) continue
        const nonce = blake2b([Buffer.from('favor-sim/nonce'), a.key, u32(e), u32(id)])
        const indices = challengeIndicesV2(beacon, id, a.key, nonce, att.length, att.samples)
        let r: ReportResult
        if (a.behaviour.kind === 'lyingAttestor') {
          const mode = a.behaviour.mode
          const lie: Observed = { outcome: mode === 'pass' ? 'pass' : mode === 'slow' ? 'slow' : 'missing', lostPosition: 0, code: mode === 'slow' ? JudgementCode.LATE : 0, answered: mode === 'fail', latencyMs: 20 }
          // lazy: a pass without running (no receipt); liar: a missing over a receipt it signed itself
          r = this.result(id, e, att, a, nonce, indices, lie, mode === 'fail' ? a : null)
        } else {
          r = this.result(id, e, att, a, nonce, indices, this.challenge(m, e, indices), m.hoster)
        }
        let list = batches.get(a)
        if (list === undefined) {
          list = []
          batches.set(a, list)
        }
        list.push(r)
        results++
      }
    }
    for (const [a, list] of batches) {
      for (let i = 0; i < list.length; i += MAX_REPORT_RESULTS) {
        await this.send(a, { type: 'report', time: this.time, epoch: e, results: list.slice(i, i + MAX_REPORT_RESULTS) })
      }
    }
    const eo = this.outcomes.get(e)
    if (eo !== undefined) {
      eo.reportResults = results
      eo.auditBlocks = auditBlocks
    }
    // what the attestors reported on the incidents, as recorded by the contract
    for (const inc of checks) {
      if (inc.firstReportEpoch !== null) continue
      const att = this.readPlain<Attestation>(keys.attest(e, inc.agreementId))
      if (att?.results.some((r) => r !== null && r.refused === '' && r.outcome !== 'pass') === true) inc.firstReportEpoch = e
    }
  }

  private sampleFlows(epoch: number): void {
    const byRole: Record<Role, FlowTotals> = { indexer: zeroTotals(), hoster: zeroTotals(), publisher: zeroTotals() }
    let conserved = 0n
    for (const n of this.nodes) {
      const a = this.read<Account>(keys.account(n.hex))
      if (a === null) continue
      const t = byRole[n.role]
      t.balance += a.balance
      t.heldBack += a.heldBack
      t.given += a.given
      t.received += a.received
      let lines = 0n
      for (const v of Object.values(a.lines)) lines += v
      conserved += a.balance + a.heldBack + lines
      if (a.attestDisagreed + a.attestRefused > n.lastDisagreed) {
        if (n.behaviour.kind !== 'lyingAttestor') this.honestPenalties += a.attestDisagreed + a.attestRefused - n.lastDisagreed
        n.lastDisagreed = a.attestDisagreed + a.attestRefused
      }
      const series = this.tracked.get(n.label)
      if (series !== undefined) {
        series.push({ epoch, balance: a.balance, heldBack: a.heldBack, given: a.given, received: a.received, reputationPpm: reputationPpm(a) })
      }
    }
    this.flows.push({ epoch, byRole, conserved })
  }

  private report(): SimReport {
    const c = this.cfg
    const accounts: AccountFlow[] = []
    for (const n of this.nodes) {
      const a = this.read<Account>(keys.account(n.hex))
      if (a === null) continue
      accounts.push({
        label: n.label,
        role: n.role,
        behaviour: n.behaviour.kind,
        balance: a.balance,
        heldBack: a.heldBack,
        given: a.given,
        received: a.received,
        reputationPpm: reputationPpm(a),
        passedEpochs: a.passedEpochs,
        attestAgreed: a.attestAgreed,
        attestDisagreed: a.attestDisagreed,
        attestRefused: a.attestRefused,
        attestScorePpm: attestScorePpm(a),
        indexer: a.indexer,
        warnings: a.warnings
      })
    }
    const detection: SimReport['detection'] = {}
    for (const kind of ['lossy', 'offline', 'slow', 'withdraw', 'relay'] as const) {
      const list = this.incidents.filter((i) => i.kind === kind)
      if (list.length > 0) detection[kind] = detectionStats(list)
    }
    const epochs: EpochOutcome[] = []
    for (let e = 1; e <= c.epochs; e++) {
      const o = this.outcomes.get(e)
      if (o !== undefined) epochs.push(o)
    }
    // version 1: one list; version 2: one key per live agreement
    const live = this.read<number[]>(keys.live)?.length ?? this.kv.entries(keys.livePrefix).length
    return {
      config: {
        seed: c.seed,
        hosters: c.hosters,
        agreements: c.agreements,
        epochs: c.epochs,
        publishers: c.publishers,
        indexers: c.indexers,
        replicas: c.replicas,
        coresPerRequest: c.coresPerRequest,
        coreBlocks: c.coreBlocks,
        blockBytes: c.blockBytes,
        hosterGroups: c.hosterGroups,
        scenario: c.scenario,
        mirrorEpochs: c.mirrorEpochs,
        arrivalCoresPerEpoch: c.arrivalCoresPerEpoch,
        sybil: c.sybil,
        checkInvariants: c.checkInvariants,
        track: c.track,
        attestors: c.params.attestors,
        samples: c.params.samples,
        behaviours: c.behaviours
      },
      digest: digest(this.kv).toString('hex'),
      epochs,
      incidents: this.incidents,
      detection,
      flows: this.flows,
      tracked: Object.fromEntries(this.tracked),
      accounts,
      honestAttestorPenalties: this.honestPenalties,
      ops: this.ops,
      refusedResults: this.refusedResults,
      weakEpochs: this.weakEpochs,
      endedHonest: this.endedHonest,
      sybil: this.sybilStats(),
      agreementsCreated: this.agreementsCreated,
      agreementsLive: live,
      perf: { setupMs: 0, runMs: 0, wallMs: 0, epochsPerSec: 0, opsPerSec: 0, peakRssBytes: 0, peakHeapBytes: 0, kvEntries: 0, applyMs: 0 }
    }
  }

  /** Account of a node by label (for tests). */
  accountOf(label: string): Account | null {
    const n = this.nodes.find((x) => x.label === label)
    return n === undefined ? null : this.read<Account>(keys.account(n.hex))
  }

  /** Writer key (hex) of a node by label. */
  hexOf(label: string): Hex | null {
    return this.nodes.find((x) => x.label === label)?.hex ?? null
  }
}

function mean(xs: number[]): number | null {
  return xs.length === 0 ? null : xs.reduce((s, x) => s + x, 0) / xs.length
}

export function detectionStats(list: readonly Incident[]): DetectionStats {
  const detect = list.filter((i) => i.firstFailEpoch !== null).map((i) => (i.firstFailEpoch as number) - i.startEpoch + 1)
  const repair = list.filter((i) => i.repairActiveEpoch !== null).map((i) => (i.repairActiveEpoch as number) - i.startEpoch)
  return {
    incidents: list.length,
    reportedFirstEpoch: list.filter((i) => i.firstReportEpoch === i.startEpoch).length,
    failedFirstEpoch: list.filter((i) => i.firstFailEpoch === i.startEpoch).length,
    detected: detect.length,
    meanEpochsToDetect: mean(detect),
    maxEpochsToDetect: detect.length === 0 ? null : Math.max(...detect),
    repaired: repair.length,
    meanEpochsToRepair: mean(repair),
    maxEpochsToRepair: repair.length === 0 ? null : Math.max(...repair)
  }
}

/** Run one simulation. */
export async function runSim(config: SimConfig, hooks: SimHooks = {}): Promise<SimReport> {
  return new Simulator(config, hooks).run()
}

export type { EndReason }
