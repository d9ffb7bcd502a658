// Shared test helper: a ledger network of named accounts with real ed25519 keys over a MemoryKV (or any
// LedgerKV), and drivers for the common flows (ticks with commit–reveal, offers, requests, ready,
// reports). The simulator and the Autobase tests reuse it.
import assert from 'node:assert/strict'
import { blake2b, keyPair, seedFromName } from '../../src/stack/crypto.js'
import { answerHash, challengeIndicesV2, itemHash, ItemError, signReceipt } from '../../src/proof/receipt.js'
import type { AnswerItem } from '../../src/proof/receipt.js'
import {
  apply,
  chainCommit,
  chainLink,
  defaultParams,
  digest,
  encodeOp,
  getAccount,
  getAgreement,
  getAttestation,
  getEpoch,
  getFresh,
  getMeta,
  getNetworkId,
  getRoundChain,
  listAgreements,
  MemoryKV,
  secretFor
} from '../../src/ledger/index.js'
import type { Account, Agreement, ApplyResult, Attestation, Effects, LedgerKV, NetworkParams, Op, Outcome, Receipt, ReportResult } from '../../src/ledger/index.js'

export interface Member {
  name: string
  /** Writer key (the account id) — an ed25519 public key. */
  key: Buffer
  hex: string
  secretKey: Buffer
  /** Node (DHT) key used in offers; its secret signs challenge receipts. */
  nodeKey: Buffer
  nodeSecretKey: Buffer
  /** Seed for beacon secrets. */
  beaconSeed: Buffer
  seq: number
}

export interface TestNetOptions {
  /** Account names; the first is the bootstrap writer (admin, indexer). */
  names: string[]
  /**
   * Extra indexers (names): admitted first, so that the contract promotes them (admission order) once the
   * members reach indexerTarget, which defaults to 1 + their number (1 without them).
   */
  indexers?: string[]
  params?: Partial<NetworkParams>
  kv?: LedgerKV
  /** Start time, ms. */
  time?: number
  /** The genesis contract version (default CONTRACT_VERSION). */
  contractVersion?: number
}

/** Test network parameters: fast epochs, small thresholds and one indexer unless overridden. */
export function testParams(overrides: Partial<NetworkParams> = {}): NetworkParams {
  return defaultParams({ admissionsPerEpoch: 1000, heldBackEpochs: 4, unvettedEpochs: 0, indexerTarget: 1, welcomeCreditMicro: 10_000_000n, ...overrides })
}

/** What a simulated hoster answers and an attestor reports, for `TestNet.result`. */
export interface ResultOptions {
  /** missing: the failing item (default: a signed NOT_HELD error at position 0). */
  item?: AnswerItem
  position?: number
  /** The manifest the hoster committed to (default empty). */
  manifest?: Uint8Array
  /** Items at the other positions (default: opaque proof bytes). */
  otherItem?: (position: number, index: number) => AnswerItem
  /** Receipt overrides (after signing unless `resign`). */
  receipt?: Partial<Receipt>
  /** Sign with these fields instead of the true ones (a receipt for another agreement, epoch, attestor …). */
  sign?: { agreementId?: number; epoch?: number; attestorKey?: Uint8Array; networkId?: Uint8Array; secretKey?: Uint8Array; fork?: number; length?: number }
  /** No receipt at all. */
  noReceipt?: boolean
}

export function member(name: string): Member {
  const kp = keyPair(seedFromName(name))
  return {
    name,
    key: kp.publicKey,
    hex: kp.publicKey.toString('hex'),
    secretKey: kp.secretKey,
    nodeKey: keyPair(seedFromName('node/' + name)).publicKey,
    nodeSecretKey: keyPair(seedFromName('node/' + name)).secretKey,
    beaconSeed: seedFromName('beacon/' + name),
    seq: 0
  }
}

/** A deterministic 32-byte core key for a name. */
export function coreKey(name: string): Buffer {
  return blake2b(Buffer.from('core/' + name))
}

export const GiB = 1024 * 1024 * 1024

export class TestNet {
  readonly kv: LedgerKV
  readonly members = new Map<string, Member>()
  readonly log: { name: string; op: Op | null; result: ApplyResult }[] = []
  /** Every op applied, as bytes with its writer key and id (the frozen fixtures are made from it). */
  readonly trace: { writer: string; opId: string; bytes: Uint8Array }[] = []
  time: number
  /** Milliseconds the clock advances per tick. */
  tickMs = 1000

  private constructor(kv: LedgerKV, time: number) {
    this.kv = kv
    this.time = time
  }

  static async create(opts: TestNetOptions): Promise<TestNet> {
    const net = new TestNet(opts.kv ?? new MemoryKV(), opts.time ?? 1_700_000_000_000)
    const [boot, ...rest] = opts.names
    assert.ok(boot !== undefined, 'at least one name')
    for (const n of opts.names) net.members.set(n, member(n))
    const indexers = new Set(opts.indexers ?? [])
    await net.ok(boot, {
      type: 'init-network', time: net.time, params: testParams({ indexerTarget: 1 + indexers.size, ...opts.params }), ...(opts.contractVersion === undefined ? {} : { contractVersion: opts.contractVersion })
    })
    for (const n of rest) if (indexers.has(n)) await net.ok(boot, { type: 'add-writer', time: net.time, writerKey: net.m(n).key, indexer: false })
    for (const n of rest) if (!indexers.has(n)) await net.ok(boot, { type: 'add-writer', time: net.time, writerKey: net.m(n).key, indexer: false })
    return net
  }

  m(name: string): Member {
    let mm = this.members.get(name)
    if (mm === undefined) {
      mm = member(name)
      this.members.set(name, mm)
    }
    return mm
  }

  hex(name: string): string {
    return this.m(name).hex
  }

  /** Apply an op (or raw bytes) as `name`; opId = `<name>:<seq>`. */
  async apply(name: string, op: Op | Uint8Array): Promise<ApplyResult> {
    const mm = this.m(name)
    const bytes = op instanceof Uint8Array ? op : encodeOp(op)
    const opId = `${mm.hex}:${mm.seq++}`
    this.trace.push({ writer: mm.hex, opId, bytes })
    const result = await apply(this.kv, bytes, { writerKey: mm.key, opId })
    this.log.push({ name, op: op instanceof Uint8Array ? null : op, result })
    return result
  }

  /** Apply and assert it was accepted. */
  async ok(name: string, op: Op): Promise<Extract<ApplyResult, { ok: true }>> {
    const r = await this.apply(name, op)
    if (!r.ok) assert.fail(`${op.type} by ${name} rejected: ${r.reason}`)
    return r
  }

  /** Apply and assert it was rejected with a reason matching `re`. */
  async rejected(name: string, op: Op | Uint8Array, re: RegExp): Promise<string> {
    const r = await this.apply(name, op)
    assert.equal(r.ok, false, `expected rejection matching ${re}`)
    if (r.ok) return ''
    assert.match(r.reason, re)
    return r.reason
  }

  async epoch(): Promise<number> {
    return (await getMeta(this.kv))?.epoch ?? 0
  }

  async indexers(): Promise<string[]> {
    return (await getMeta(this.kv))?.indexers ?? []
  }

  nameOf(hex: string): string {
    for (const mm of this.members.values()) if (mm.hex === hex) return mm.name
    return hex.slice(0, 8)
  }

  /** Whether `hex` belongs to a member this helper holds keys for. */
  known(hex: string): boolean {
    for (const mm of this.members.values()) if (mm.hex === hex) return true
    return false
  }

  /** The tick op `name` would send for `epoch` (reveals if it has a commitment due). */
  async tickOp(name: string, epoch: number, opts: { withhold?: boolean; badReveal?: boolean } = {}): Promise<Op> {
    const mm = this.m(name)
    const acct = await getAccount(this.kv, mm.hex)
    const due = acct !== null && acct.commit !== '' && acct.commitEpoch === epoch
    let reveal: Uint8Array = new Uint8Array(0)
    if (due && opts.withhold !== true) reveal = opts.badReveal === true ? Buffer.alloc(32, 7) : secretFor(mm.beaconSeed, epoch)
    // the commitment is the head of the hash chain whose links the member's rounds reveal (beacon.ts)
    const rounds = (await getMeta(this.kv))?.params.roundsPerEpoch ?? 0
    return { type: 'tick', time: this.time, epoch, tickTime: this.time, commit: chainCommit(secretFor(mm.beaconSeed, epoch + 1), rounds), reveal }
  }

  /**
   * The `round` op indexer `name` would send now: the next link (after the last it revealed) of the chain it
   * committed to in its tick for the current epoch, `upTo` the whole fresh queue. `opts` bends it.
   */
  async roundOp(name: string, opts: { epoch?: number; index?: number; link?: Uint8Array; upTo?: number } = {}): Promise<Op> {
    const mm = this.m(name)
    const e = await this.epoch()
    const rounds = (await getMeta(this.kv))?.params.roundsPerEpoch ?? 0
    const acct = await getAccount(this.kv, mm.hex)
    const chain = await getRoundChain(this.kv, mm.hex)
    const last = chain !== null && acct !== null && chain.epoch === e && chain.commit === acct.commit ? chain.index : 0
    const index = opts.index ?? last + 1
    const link = opts.link ?? chainLink(secretFor(mm.beaconSeed, e + 1), rounds, index)
    const upTo = opts.upTo ?? (await getFresh(this.kv)).next
    return { type: 'round', time: this.time, epoch: opts.epoch ?? e, index, link, upTo }
  }

  /** Indexer `name` runs a matching round (asserted accepted); returns its effects. */
  async round(name: string, opts: Parameters<TestNet['roundOp']>[1] = {}): Promise<Effects> {
    return (await this.ok(name, await this.roundOp(name, opts))).effects
  }

  /**
   * Every indexer this helper holds keys for (minus `skip`) ticks the next epoch. Returns the current
   * epoch afterwards (unchanged if no majority ticked).
   */
  async tick(opts: { skip?: string[]; withhold?: string[] } = {}): Promise<number> {
    await this.applyTick(opts)
    return this.epoch()
  }

  /** As `tick`, returning each tick's effects (events, membership changes). */
  async applyTick(opts: { skip?: string[]; withhold?: string[] } = {}): Promise<Effects[]> {
    this.time += this.tickMs
    const next = (await this.epoch()) + 1
    const out: Effects[] = []
    for (const hex of await this.indexers()) {
      const name = this.nameOf(hex)
      if (!this.known(hex) || opts.skip?.includes(name) === true) continue
      const op = await this.tickOp(name, next, { withhold: opts.withhold?.includes(name) === true })
      out.push((await this.ok(name, op)).effects)
    }
    return out
  }

  async offer(name: string, capacityBytes: number, group = ''): Promise<void> {
    await this.ok(name, { type: 'offer', time: this.time, capacityBytes, group, nodeKey: this.m(name).nodeKey })
  }

  /** Create a request; returns its id. */
  async request(
    name: string,
    cores: { name: string; length?: number; byteLength: number; fork?: number; key?: Uint8Array }[],
    opts: { replicas?: number; until?: number; maxPrice?: bigint } = {}
  ): Promise<number> {
    const r = await this.ok(name, {
      type: 'request',
      time: this.time,
      cores: cores.map((c) => ({ key: c.key ?? coreKey(c.name), length: c.length ?? 100, byteLength: c.byteLength, fork: c.fork ?? 0 })),
      replicas: opts.replicas ?? 1,
      until: opts.until ?? 1_000_000,
      maxPrice: opts.maxPrice ?? 1n << 40n
    })
    const ev = r.effects.events.find((e) => e.type === 'request-created')
    assert.ok(ev !== undefined && ev.type === 'request-created')
    return ev.requestId
  }

  async agreements(filter: Parameters<typeof listAgreements>[1] = {}): Promise<Agreement[]> {
    return listAgreements(this.kv, filter)
  }

  async agreement(id: number): Promise<Agreement> {
    const a = await getAgreement(this.kv, id)
    assert.ok(a !== null, `agreement ${id}`)
    return a
  }

  async account(name: string): Promise<Account> {
    const a = await getAccount(this.kv, this.hex(name))
    assert.ok(a !== null, `account ${name}`)
    return a
  }

  /** Every pinning agreement's hoster reports ready with the recorded length. */
  async readyAll(): Promise<number> {
    let n = 0
    for (const a of await this.agreements({ state: 'pinning', liveOnly: true })) {
      await this.ok(this.nameOf(a.hoster), { type: 'ready', time: this.time, agreementId: a.id, length: a.length, byteLength: a.byteLength, fork: a.fork })
      n++
    }
    return n
  }

  /**
   * Every selected attestor of the current epoch reports (one op per attestor). `outcome` decides each
   * result (null = that attestor stays silent for that agreement); default: all pass.
   */
  async reportAll(outcome: (agreement: Agreement, attestor: string) => Outcome | null = () => 'pass'): Promise<number> {
    const e = await this.epoch()
    const rec = await getEpoch(this.kv, e)
    if (rec === null) return 0
    const byAttestor = new Map<string, ReportResult[]>()
    for (const id of rec.attested) {
      const att = await getAttestation(this.kv, e, id)
      if (att === null) continue
      const agr = await this.agreement(id)
      for (const [i, h] of att.attestors.entries()) {
        if (!this.known(h) || att.results[i] !== null) continue
        const name = this.nameOf(h)
        const o = outcome(agr, name)
        if (o === null) continue
        const list = byAttestor.get(name) ?? []
        list.push(await this.result(id, name, o))
        byAttestor.set(name, list)
      }
    }
    let ops = 0
    for (const [name, results] of [...byAttestor].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
      for (let i = 0; i < results.length; i += 1024) {
        await this.ok(name, { type: 'report', time: this.time, epoch: e, results: results.slice(i, i + 1024) })
        ops++
      }
    }
    return ops
  }

  private nonceSeq = 0
  /** The indices each simulated hoster answered: `${epoch}/${agreementId}/${attestorHex}` → indices. */
  readonly answered = new Map<string, number[]>()

  /** The attestation record of an agreement in the current epoch. */
  async attestation(agreementId: number): Promise<Attestation> {
    const a = await getAttestation(this.kv, await this.epoch(), agreementId)
    assert.ok(a !== null, `agreement ${agreementId} is challenged in the current epoch`)
    return a
  }

  /**
   * The result `attestor` reports for `agreementId` in the current epoch, with the evidence an honest
   * run produces: the hoster (this helper holds its node key) signs a receipt over its answer to a fresh
   * nonce; `missing` carries one failing item (a signed NOT_HELD by default). `opts` bends it.
   */
  async result(agreementId: number, attestor: string, outcome: Outcome, opts: ResultOptions = {}): Promise<ReportResult> {
    const e = await this.epoch()
    const att = await this.attestation(agreementId)
    const agr = await this.agreement(agreementId)
    const rec = await getEpoch(this.kv, e)
    const networkId = await getNetworkId(this.kv)
    assert.ok(rec !== null && networkId !== null)
    const beacon = Buffer.from(rec.beacon, 'hex')
    const attestorKey = this.m(attestor).key
    const base = { agreementId, outcome, samples: att.samples, latencyP50Ms: 20, latencyP99Ms: 80, rttMs: 1, code: 0, receipt: null, failing: null }
    const wantReceipt = opts.noReceipt !== true && (outcome === 'pass' || outcome === 'missing' || opts.receipt !== undefined)
    if (!wantReceipt) return base
    const nonce = blake2b(Buffer.from(`nonce/${attestor}/${e}/${agreementId}/${this.nonceSeq++}`))
    const indices = challengeIndicesV2(beacon, agreementId, attestorKey, nonce, att.length, att.samples)
    this.answered.set(`${e}/${agreementId}/${this.hex(attestor)}`, indices)
    const position = opts.position ?? 0
    const items: AnswerItem[] = indices.map((index, i) =>
      outcome === 'missing' && i === position ? (opts.item ?? { kind: 'error', code: ItemError.NOT_HELD }) : (opts.otherItem?.(i, index) ?? { kind: 'proof', proof: Buffer.from(`proof ${index}`) })
    )
    const manifest = opts.manifest ?? new Uint8Array(0)
    const hashes = items.map((it, i) => itemHash(i, indices[i] as number, it))
    const ah = answerHash(manifest, hashes)
    const s = opts.sign ?? {}
    const fork = s.fork ?? att.fork
    const length = s.length ?? att.length
    const signature = signReceipt(
      { networkId: s.networkId ?? networkId, agreementId: s.agreementId ?? agreementId, epoch: s.epoch ?? e, attestorKey: s.attestorKey ?? attestorKey, nonce, answerHash: ah, fork, length },
      s.secretKey ?? this.m(this.nameOf(agr.hoster)).nodeSecretKey
    )
    const receipt: Receipt = { nonce, fork, length, answerHash: ah, signature, ...opts.receipt }
    if (outcome !== 'missing') return { ...base, receipt }
    const item = items[position] as AnswerItem
    return {
      ...base,
      receipt,
      failing: {
        position,
        kind: item.kind,
        errorCode: item.kind === 'error' ? item.code : 0,
        proof: item.kind === 'proof' ? item.proof : new Uint8Array(0),
        manifest,
        itemHashes: hashes
      }
    }
  }

  /** Tick until the first epoch that is not weak (matching and attestor selection run); returns it. */
  async tickStrong(): Promise<number> {
    for (let i = 0; i < 8; i++) {
      const e = await this.tick()
      const rec = await getEpoch(this.kv, e)
      if (rec !== null && rec.started && !rec.weak) return e
    }
    assert.fail('no strong epoch within 8 ticks')
  }

  /** One full epoch: report (with `outcome`), then tick. */
  async epochWith(outcome?: (agreement: Agreement, attestor: string) => Outcome | null): Promise<number> {
    await this.reportAll(outcome)
    return this.tick()
  }

  /** Digest of the state (MemoryKV only). */
  digest(): string {
    assert.ok(this.kv instanceof MemoryKV)
    return digest(this.kv).toString('hex')
  }

  /** Count of rejected-op records (MemoryKV only). */
  rejectedCount(): number {
    assert.ok(this.kv instanceof MemoryKV)
    return this.kv.entries('rejected/').length
  }
}
