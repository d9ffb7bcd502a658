// Versioned binary codec for ops (compact-encoding). Layout of every op:
//   uint8 version (OP_VERSION) | uint8 type tag | uint claimed time (ms) | body
// Decoding enforces the limits in constants.ts, rejects trailing bytes, and accepts only the
// canonical encoding (decode → encode must give back the same bytes), so encode and decode are
// exact inverses and one op has exactly one encoding.
import c from 'compact-encoding'
import {
  MAX_AMOUNT,
  MAX_CORES_PER_REQUEST,
  MAX_GROUP_BYTES,
  MAX_OP_BYTES,
  MAX_REPLICAS,
  MAX_REPORT_RESULTS,
  MAX_SAFE,
  MAX_ITEM_HASHES,
  MAX_SAMPLES,
  CONTRACT_VERSION,
  MAX_CONTRACT_VERSION,
  MAX_ROUNDS_PER_EPOCH,
  OLD_OP_VERSIONS,
  OP_VERSION
} from './constants.js'
import { MAX_MANIFEST_BYTES, MAX_PROOF_BYTES } from '../proof/format.js'
import { DecodeError, UnknownOpError, UnknownVersionError } from './errors.js'
import { auditParams } from './params.js'
import { OP_SINCE_VERSION, OP_TAGS, OP_TYPES_BY_TAG, OUTCOMES, UNIT_KINDS } from './ops.js'
import type { AdmissionPolicy, AuditParams, CoreSpec, FailingItem, NetworkParams, Op, Outcome, Receipt, ReportResult, UnitKind } from './ops.js'

type State = ReturnType<typeof c.state>

// --- primitive helpers: each does preencode/encode/decode in one pass depending on mode ---

function uintOut(s: State, n: number, pre: boolean): void {
  if (!Number.isSafeInteger(n) || n < 0) throw new DecodeError(`not a uint: ${String(n)}`)
  if (pre) c.uint.preencode(s, n)
  else c.uint.encode(s, n)
}
function uintIn(s: State, max = MAX_SAFE): number {
  const n = c.uint.decode(s)
  if (!Number.isSafeInteger(n) || n > max) throw new DecodeError(`uint over limit ${max}`)
  return n
}
function amountOut(s: State, n: bigint, pre: boolean): void {
  if (n < 0n || n > MAX_AMOUNT) throw new DecodeError('amount out of range')
  if (pre) c.biguint64.preencode(s, n)
  else c.biguint64.encode(s, n)
}
function fixed32Out(s: State, b: Uint8Array, pre: boolean): void {
  if (b.byteLength !== 32) throw new DecodeError('expected 32 bytes')
  if (pre) c.fixed32.preencode(s, b)
  else c.fixed32.encode(s, b)
}
function fixed32In(s: State): Uint8Array {
  return Uint8Array.from(c.fixed32.decode(s))
}
function fixed64Out(s: State, b: Uint8Array, pre: boolean): void {
  if (b.byteLength !== 64) throw new DecodeError('expected 64 bytes')
  if (pre) c.fixed64.preencode(s, b)
  else c.fixed64.encode(s, b)
}
function fixed64In(s: State): Uint8Array {
  return Uint8Array.from(c.fixed64.decode(s))
}
function u8Out(s: State, n: number, pre: boolean): void {
  if (!Number.isInteger(n) || n < 0 || n > 255) throw new DecodeError(`not a byte: ${String(n)}`)
  if (pre) c.uint8.preencode(s, n)
  else c.uint8.encode(s, n)
}
function boolOut(s: State, v: boolean, pre: boolean): void {
  if (pre) c.bool.preencode(s, v)
  else c.bool.encode(s, v)
}
function boolIn(s: State): boolean {
  const b = c.uint8.decode(s)
  if (b > 1) throw new DecodeError('bool must be 0 or 1')
  return b === 1
}
function stringOut(s: State, v: string, maxBytes: number, pre: boolean): void {
  if (Buffer.byteLength(v) > maxBytes) throw new DecodeError('string too long')
  if (pre) c.string.preencode(s, v)
  else c.string.encode(s, v)
}
function stringIn(s: State, maxBytes: number): string {
  const save = s.start
  const len = uintIn(s)
  if (len > maxBytes) throw new DecodeError('string too long')
  s.start = save
  return c.string.decode(s)
}
function bytesOut(s: State, b: Uint8Array, pre: boolean, maxBytes = MAX_OP_BYTES): void {
  if (b.byteLength > maxBytes) throw new DecodeError('bytes too long')
  if (pre) c.buffer.preencode(s, b)
  else c.buffer.encode(s, b)
}
function bytesIn(s: State, maxBytes: number): Uint8Array {
  const save = s.start
  const len = uintIn(s)
  if (len > maxBytes) throw new DecodeError('bytes too long')
  s.start = save
  const b = c.buffer.decode(s)
  return b === null ? new Uint8Array(0) : Uint8Array.from(b)
}
function countIn(s: State, max: number, what: string): number {
  const n = uintIn(s)
  if (n > max) throw new DecodeError(`too many ${what}: ${n} > ${max}`)
  return n
}

// --- bodies ---

function paramsIO(s: State, p: NetworkParams, pre: boolean): void {
  uintOut(s, p.epochSeconds, pre)
  amountOut(s, p.priceMicroPerGiBHour, pre)
  amountOut(s, p.welcomeCreditMicro, pre)
  uintOut(s, p.attestors, pre)
  uintOut(s, p.samples, pre)
  uintOut(s, p.hosterSharePpm, pre)
  uintOut(s, p.heldBackPpm, pre)
  uintOut(s, p.heldBackEpochs, pre)
  uintOut(s, p.unvettedEpochs, pre)
  uintOut(s, p.failingEpochsToRepair, pre)
  uintOut(s, p.pausedEpochsToEnd, pre)
  uintOut(s, p.admission, pre)
  uintOut(s, p.admissionsPerEpoch, pre)
  uintOut(s, p.reputationDecayPpm, pre)
  uintOut(s, p.pinningEpochs, pre)
  uintOut(s, p.samplesNew, pre)
  uintOut(s, p.growGraceEpochs, pre)
  uintOut(s, p.growBytesPerEpoch, pre)
  uintOut(s, p.indexerSilentEpochs, pre)
  uintOut(s, p.indexerTarget, pre)
  amountOut(s, p.founderCreditMicro, pre)
  uintOut(s, p.roundsPerEpoch, pre)
}
function auditOut(s: State, a: AuditParams, pre: boolean): void {
  uintOut(s, a.cleanEpochs, pre)
  uintOut(s, a.budgetPpm, pre)
  uintOut(s, a.samplesCleanMin, pre)
}
function auditIn(s: State): AuditParams {
  return { cleanEpochs: uintIn(s, 1_000_000), budgetPpm: uintIn(s, 1_000_000), samplesCleanMin: uintIn(s, MAX_SAMPLES) }
}
function paramsIn(s: State): NetworkParams {
  const epochSeconds = uintIn(s, 365 * 24 * 3600)
  const priceMicroPerGiBHour = c.biguint64.decode(s)
  const welcomeCreditMicro = c.biguint64.decode(s)
  const attestors = uintIn(s, 16)
  const samples = uintIn(s, MAX_SAMPLES)
  const hosterSharePpm = uintIn(s, 1_000_000)
  const heldBackPpm = uintIn(s, 1_000_000)
  const heldBackEpochs = uintIn(s, 1_000_000)
  const unvettedEpochs = uintIn(s, 1_000_000)
  const failingEpochsToRepair = uintIn(s, 1000)
  const pausedEpochsToEnd = uintIn(s, 1000)
  const admission = uintIn(s, 2) as AdmissionPolicy
  const admissionsPerEpoch = uintIn(s, 1_000_000)
  const reputationDecayPpm = uintIn(s, 1_000_000)
  const pinningEpochs = uintIn(s, 1_000_000)
  const samplesNew = uintIn(s, MAX_SAMPLES)
  const growGraceEpochs = uintIn(s, 1_000_000)
  const growBytesPerEpoch = uintIn(s)
  const indexerSilentEpochs = uintIn(s, 1_000_000)
  const indexerTarget = uintIn(s, 15)
  const founderCreditMicro = c.biguint64.decode(s)
  const roundsPerEpoch = uintIn(s, MAX_ROUNDS_PER_EPOCH)
  return {
    epochSeconds,
    priceMicroPerGiBHour,
    welcomeCreditMicro,
    attestors,
    samples,
    hosterSharePpm,
    heldBackPpm,
    heldBackEpochs,
    unvettedEpochs,
    failingEpochsToRepair,
    pausedEpochsToEnd,
    admission,
    admissionsPerEpoch,
    reputationDecayPpm,
    pinningEpochs,
    samplesNew,
    growGraceEpochs,
    growBytesPerEpoch,
    indexerSilentEpochs,
    indexerTarget,
    founderCreditMicro,
    roundsPerEpoch
  }
}

function coreOut(s: State, core: CoreSpec, pre: boolean): void {
  fixed32Out(s, core.key, pre)
  uintOut(s, core.length, pre)
  uintOut(s, core.byteLength, pre)
  uintOut(s, core.fork, pre)
}
function coreIn(s: State): CoreSpec {
  return { key: fixed32In(s), length: uintIn(s), byteLength: uintIn(s), fork: uintIn(s) }
}

function receiptOut(s: State, r: Receipt, pre: boolean): void {
  fixed32Out(s, r.nonce, pre)
  uintOut(s, r.fork, pre)
  uintOut(s, r.length, pre)
  fixed32Out(s, r.answerHash, pre)
  fixed64Out(s, r.signature, pre)
}
function receiptIn(s: State): Receipt {
  return { nonce: fixed32In(s), fork: uintIn(s), length: uintIn(s), answerHash: fixed32In(s), signature: fixed64In(s) }
}

// A failing item: kind 0 = proof (errorCode 0, proof bytes), kind 1 = error (errorCode 1..255, no proof bytes).
function failingOut(s: State, f: FailingItem, pre: boolean): void {
  if (f.itemHashes.length > MAX_ITEM_HASHES) throw new DecodeError('too many item hashes')
  if (f.kind === 'proof' ? f.errorCode !== 0 : f.proof.byteLength !== 0) throw new DecodeError('failing item: a proof has no error code, an error has no proof')
  uintOut(s, f.position, pre)
  u8Out(s, f.kind === 'proof' ? 0 : 1, pre)
  u8Out(s, f.errorCode, pre)
  bytesOut(s, f.proof, pre, MAX_PROOF_BYTES)
  bytesOut(s, f.manifest, pre, MAX_MANIFEST_BYTES)
  uintOut(s, f.itemHashes.length, pre)
  for (const h of f.itemHashes) fixed32Out(s, h, pre)
}
function failingIn(s: State): FailingItem {
  const position = uintIn(s, MAX_ITEM_HASHES - 1)
  const k = c.uint8.decode(s)
  if (k > 1) throw new DecodeError('failing item kind must be 0 or 1')
  const kind = k === 0 ? 'proof' : 'error'
  const errorCode = c.uint8.decode(s)
  const proof = bytesIn(s, MAX_PROOF_BYTES)
  const manifest = bytesIn(s, MAX_MANIFEST_BYTES)
  const n = countIn(s, MAX_ITEM_HASHES, 'item hashes')
  const itemHashes: Uint8Array[] = []
  for (let i = 0; i < n; i++) itemHashes.push(fixed32In(s))
  if (kind === 'proof' ? errorCode !== 0 : proof.byteLength !== 0) throw new DecodeError('failing item: a proof has no error code, an error has no proof')
  return { position, kind, errorCode, proof, manifest, itemHashes }
}

function optionalOut<T>(s: State, v: T | null, pre: boolean, io: (s: State, v: T, pre: boolean) => void): void {
  boolOut(s, v !== null, pre)
  if (v !== null) io(s, v, pre)
}
function optionalIn<T>(s: State, read: (s: State) => T): T | null {
  return boolIn(s) ? read(s) : null
}

function resultOut(s: State, r: ReportResult, pre: boolean): void {
  uintOut(s, r.agreementId, pre)
  const o = OUTCOMES.indexOf(r.outcome)
  if (o < 0) throw new DecodeError('bad outcome')
  uintOut(s, o, pre)
  if (r.samples > MAX_SAMPLES) throw new DecodeError('too many samples')
  uintOut(s, r.samples, pre)
  if (r.latencyP50Ms > 0xffffffff || r.latencyP99Ms > 0xffffffff || r.rttMs > 0xffffffff) throw new DecodeError('latency over limit')
  uintOut(s, r.latencyP50Ms, pre)
  uintOut(s, r.latencyP99Ms, pre)
  uintOut(s, r.rttMs, pre)
  u8Out(s, r.code, pre)
  optionalOut(s, r.receipt, pre, receiptOut)
  optionalOut(s, r.failing, pre, failingOut)
}
function resultIn(s: State): ReportResult {
  const agreementId = uintIn(s)
  const outcome: Outcome | undefined = OUTCOMES[uintIn(s, OUTCOMES.length - 1)]
  if (outcome === undefined) throw new DecodeError('bad outcome')
  const samples = uintIn(s, MAX_SAMPLES)
  const latencyP50Ms = uintIn(s, 0xffffffff)
  const latencyP99Ms = uintIn(s, 0xffffffff)
  const rttMs = uintIn(s, 0xffffffff)
  const code = c.uint8.decode(s)
  const receipt = optionalIn(s, receiptIn)
  const failing = optionalIn(s, failingIn)
  return { agreementId, outcome, samples, latencyP50Ms, latencyP99Ms, rttMs, code, receipt, failing }
}

function bodyIO(s: State, op: Op, pre: boolean): void {
  switch (op.type) {
    case 'init-network':
      paramsIO(s, op.params, pre)
      if ((op.contractVersion ?? CONTRACT_VERSION) > MAX_CONTRACT_VERSION) throw new DecodeError('contract version over limit')
      uintOut(s, op.contractVersion ?? CONTRACT_VERSION, pre)
      // version 2 genesis: the audit params follow (a version 1 op ends at its version, byte for byte as before)
      if ((op.contractVersion ?? CONTRACT_VERSION) >= 2) auditOut(s, auditParams(op.params), pre)
      return
    case 'add-writer':
      fixed32Out(s, op.writerKey, pre)
      return boolOut(s, op.indexer, pre)
    case 'add-indexer':
    case 'remove-indexer':
      return fixed32Out(s, op.writerKey, pre)
    case 'offer':
      uintOut(s, op.capacityBytes, pre)
      stringOut(s, op.group, MAX_GROUP_BYTES, pre)
      return fixed32Out(s, op.nodeKey, pre)
    case 'withdraw':
      return
    case 'request':
      if (op.cores.length > MAX_CORES_PER_REQUEST) throw new DecodeError('too many cores')
      uintOut(s, op.cores.length, pre)
      for (const core of op.cores) coreOut(s, core, pre)
      uintOut(s, op.replicas, pre)
      uintOut(s, op.until, pre)
      amountOut(s, op.maxPrice, pre)
      // kind: a byte, 0 = core (absent in the op), so that one op keeps exactly one encoding
      return u8Out(s, UNIT_KINDS.indexOf(op.kind ?? 'core'), pre)
    case 'cancel':
      return uintOut(s, op.requestId, pre)
    case 'ready':
      uintOut(s, op.agreementId, pre)
      uintOut(s, op.length, pre)
      uintOut(s, op.byteLength, pre)
      return uintOut(s, op.fork, pre)
    case 'tick':
      uintOut(s, op.epoch, pre)
      uintOut(s, op.tickTime, pre)
      fixed32Out(s, op.commit, pre)
      if (op.reveal.byteLength !== 0 && op.reveal.byteLength !== 32) throw new DecodeError('reveal must be 0 or 32 bytes')
      return bytesOut(s, op.reveal, pre)
    case 'report':
      if (op.results.length > MAX_REPORT_RESULTS) throw new DecodeError('too many results')
      uintOut(s, op.epoch, pre)
      uintOut(s, op.results.length, pre)
      for (const r of op.results) resultOut(s, r, pre)
      return
    case 'transfer':
    case 'sponsor':
      fixed32Out(s, op.to, pre)
      return amountOut(s, op.amount, pre)
    case 'set-limit':
      fixed32Out(s, op.to, pre)
      return amountOut(s, op.limit, pre)
    case 'invite':
      fixed32Out(s, op.hash, pre)
      amountOut(s, op.credit, pre)
      return uintOut(s, op.expiresEpoch, pre)
    case 'redeem':
      fixed32Out(s, op.writerKey, pre)
      return fixed32Out(s, op.secret, pre)
    case 'grow':
      uintOut(s, op.requestId, pre)
      fixed32Out(s, op.coreKey, pre)
      uintOut(s, op.length, pre)
      uintOut(s, op.byteLength, pre)
      return uintOut(s, op.fork, pre)
    case 'upgrade':
      if (op.contractVersion > MAX_CONTRACT_VERSION) throw new DecodeError('contract version over limit')
      uintOut(s, op.contractVersion, pre)
      return uintOut(s, op.fromEpoch, pre)
    case 'round':
      uintOut(s, op.epoch, pre)
      if (op.index > MAX_ROUNDS_PER_EPOCH) throw new DecodeError('round index over limit')
      uintOut(s, op.index, pre)
      fixed32Out(s, op.link, pre)
      return uintOut(s, op.upTo, pre)
    case 'prove-size':
      uintOut(s, op.requestId, pre)
      fixed32Out(s, op.coreKey, pre)
      bytesOut(s, op.manifest, pre, MAX_MANIFEST_BYTES)
      return bytesOut(s, op.proof, pre, MAX_PROOF_BYTES)
    case 'extend':
      uintOut(s, op.requestId, pre)
      if (op.cores.length > MAX_CORES_PER_REQUEST) throw new DecodeError('too many cores')
      uintOut(s, op.cores.length, pre)
      for (const core of op.cores) coreOut(s, core, pre)
      return
  }
}

function bodyIn(s: State, type: Op['type'], time: number): Op {
  switch (type) {
    case 'init-network':
    {
      const params = paramsIn(s)
      const contractVersion = uintIn(s, MAX_CONTRACT_VERSION)
      if (contractVersion >= 2) params.audit = auditIn(s)
      return { type, time, params, contractVersion }
    }
    case 'add-writer':
      return { type, time, writerKey: fixed32In(s), indexer: boolIn(s) }
    case 'add-indexer':
    case 'remove-indexer':
      return { type, time, writerKey: fixed32In(s) }
    case 'offer':
      return { type, time, capacityBytes: uintIn(s), group: stringIn(s, MAX_GROUP_BYTES), nodeKey: fixed32In(s) }
    case 'withdraw':
      return { type, time }
    case 'request': {
      const n = countIn(s, MAX_CORES_PER_REQUEST, 'cores')
      const cores: CoreSpec[] = []
      for (let i = 0; i < n; i++) cores.push(coreIn(s))
      const replicas = uintIn(s, MAX_REPLICAS)
      const until = uintIn(s)
      const maxPrice = c.biguint64.decode(s)
      const kind: UnitKind | undefined = UNIT_KINDS[c.uint8.decode(s)]
      if (kind === undefined) throw new DecodeError('unknown request kind')
      return kind === 'core' ? { type, time, cores, replicas, until, maxPrice } : { type, time, cores, replicas, until, maxPrice, kind }
    }
    case 'cancel':
      return { type, time, requestId: uintIn(s) }
    case 'ready':
      return { type, time, agreementId: uintIn(s), length: uintIn(s), byteLength: uintIn(s), fork: uintIn(s) }
    case 'tick': {
      const epoch = uintIn(s)
      const tickTime = uintIn(s)
      const commit = fixed32In(s)
      const reveal = bytesIn(s, 32)
      if (reveal.byteLength !== 0 && reveal.byteLength !== 32) throw new DecodeError('reveal must be 0 or 32 bytes')
      return { type, time, epoch, tickTime, commit, reveal }
    }
    case 'report': {
      const epoch = uintIn(s)
      const n = countIn(s, MAX_REPORT_RESULTS, 'results')
      const results: ReportResult[] = []
      for (let i = 0; i < n; i++) results.push(resultIn(s))
      return { type, time, epoch, results }
    }
    case 'transfer':
    case 'sponsor':
      return { type, time, to: fixed32In(s), amount: c.biguint64.decode(s) }
    case 'set-limit':
      return { type, time, to: fixed32In(s), limit: c.biguint64.decode(s) }
    case 'invite':
      return { type, time, hash: fixed32In(s), credit: c.biguint64.decode(s), expiresEpoch: uintIn(s) }
    case 'redeem':
      return { type, time, writerKey: fixed32In(s), secret: fixed32In(s) }
    case 'grow':
      return { type, time, requestId: uintIn(s), coreKey: fixed32In(s), length: uintIn(s), byteLength: uintIn(s), fork: uintIn(s) }
    case 'upgrade':
      return { type, time, contractVersion: uintIn(s, MAX_CONTRACT_VERSION), fromEpoch: uintIn(s) }
    case 'round':
      return { type, time, epoch: uintIn(s), index: uintIn(s, MAX_ROUNDS_PER_EPOCH), link: fixed32In(s), upTo: uintIn(s) }
    case 'prove-size':
      return { type, time, requestId: uintIn(s), coreKey: fixed32In(s), manifest: bytesIn(s, MAX_MANIFEST_BYTES), proof: bytesIn(s, MAX_PROOF_BYTES) }
    case 'extend': {
      const requestId = uintIn(s)
      const n = countIn(s, MAX_CORES_PER_REQUEST, 'cores')
      const cores: CoreSpec[] = []
      for (let i = 0; i < n; i++) cores.push(coreIn(s))
      return { type, time, requestId, cores }
    }
  }
}

function headerIO(s: State, op: Op, pre: boolean): void {
  if (pre) {
    c.uint8.preencode(s, OP_VERSION)
    c.uint8.preencode(s, OP_TAGS[op.type])
  } else {
    c.uint8.encode(s, OP_VERSION)
    c.uint8.encode(s, OP_TAGS[op.type])
  }
  uintOut(s, op.time, pre)
}

/** Encode an op. Throws DecodeError if the op breaks a limit (the same limits decoding enforces). */
export function encodeOp(op: Op): Buffer {
  const s = c.state()
  headerIO(s, op, true)
  bodyIO(s, op, true)
  if (s.end > MAX_OP_BYTES) throw new DecodeError('op too large')
  s.buffer = Buffer.allocUnsafe(s.end)
  headerIO(s, op, false)
  bodyIO(s, op, false)
  return s.buffer as Buffer
}

/**
 * Decode an op. Throws DecodeError (malformed, limits, trailing bytes, non-canonical),
 * UnknownVersionError or UnknownOpError. Never returns a partially valid op.
 */
export function decodeOp(bytes: Uint8Array, contractVersion: number = CONTRACT_VERSION): Op {
  if (bytes.byteLength > MAX_OP_BYTES) throw new DecodeError('op too large')
  if (bytes.byteLength < 3) throw new DecodeError('op too short')
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const s = c.state(0, buf.byteLength, buf)
  let op: Op
  try {
    const version = c.uint8.decode(s)
    if (version !== OP_VERSION) throw new UnknownVersionError(version, OLD_OP_VERSIONS.includes(version))
    const tag = c.uint8.decode(s)
    const type = typeOfTag(tag, contractVersion)
    if (type === undefined) throw new UnknownOpError(tag)
    const time = uintIn(s)
    op = bodyIn(s, type, time)
  } catch (err) {
    if (err instanceof UnknownVersionError || err instanceof UnknownOpError || err instanceof DecodeError) throw err
    // compact-encoding's own text (e.g. "Out of bounds") must never reach a stored rejection: a fixed message
    throw new DecodeError('malformed op (truncated or out of range)', { cause: err })
  }
  if (s.start !== s.end) throw new DecodeError('trailing bytes')
  if (!buf.equals(encodeOp(op))) throw new DecodeError('non-canonical encoding')
  return op
}

/** The op type of a tag under a contract version: undefined when the tag is unknown to that version. */
function typeOfTag(tag: number, contractVersion: number): Op['type'] | undefined {
  const type = OP_TYPES_BY_TAG.get(tag)
  if (type === undefined) return undefined
  return (OP_SINCE_VERSION[type] ?? 1) <= contractVersion ? type : undefined
}

/** The op type of an encoding, if its header is readable (for rejection records). */
export function peekOpType(bytes: Uint8Array, contractVersion: number = CONTRACT_VERSION): Op['type'] | null {
  if (bytes.byteLength < 2 || bytes[0] !== OP_VERSION) return null
  return typeOfTag(bytes[1] ?? 0, contractVersion) ?? null
}
