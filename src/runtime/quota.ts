// The disk quota a hoster gives to hosted data. Space is reserved per agreement (the bytes the
// agreement covers) before any mirroring starts, and data written for an agreement counts against
// its own reservation only: a publisher whose core grows past what was agreed is refused, and cannot
// eat into space reserved for anyone else.
//
// Not persisted (a choice): reservations mirror the agreements in the ledger, which is the source of
// truth; a hoster rebuilds them from ledger state at start (and `setUsed` from what is on disk).
// `toJSON()` gives a snapshot for the API and for callers that want to persist it anyway.
import { AlreadyExistsError, InvalidArgumentError, NotFoundError, QuotaExceededError } from './errors.js'

export interface Reservation {
  readonly id: string
  /** Who the space is for (the publisher's account), for per-owner summaries. */
  readonly owner: string
  readonly reservedBytes: number
  /** Bytes actually stored under this reservation. Never more than reservedBytes. */
  readonly usedBytes: number
}

export interface OwnerUsage {
  readonly owner: string
  readonly reservedBytes: number
  readonly usedBytes: number
  readonly reservations: number
}

export interface QuotaUsage {
  readonly capacityBytes: number
  readonly reservedBytes: number
  readonly usedBytes: number
  /** Capacity not reserved; negative when capacity was lowered below what is reserved. */
  readonly freeBytes: number
  readonly reservations: readonly Reservation[]
  readonly owners: readonly OwnerUsage[]
}

export interface DiskQuotaOptions {
  readonly capacityBytes: number
}

function checkBytes(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new InvalidArgumentError(`${name}: expected a whole number of bytes ≥ 0, got ${String(value)}`)
  return value
}

interface MutableReservation {
  readonly id: string
  readonly owner: string
  reservedBytes: number
  usedBytes: number
}

export class DiskQuota {
  #capacity: number
  #reserved = 0
  readonly #reservations = new Map<string, MutableReservation>()

  constructor(options: DiskQuotaOptions) {
    this.#capacity = checkBytes('capacityBytes', options.capacityBytes)
  }

  get capacityBytes(): number { return this.#capacity }
  get reservedBytes(): number { return this.#reserved }
  get freeBytes(): number { return this.#capacity - this.#reserved }

  /**
   * Changes the capacity. Lowering it below what is reserved is allowed (existing reservations are
   * honoured) but no new space is handed out until usage falls back under it.
   */
  setCapacity(capacityBytes: number): void {
    this.#capacity = checkBytes('capacityBytes', capacityBytes)
  }

  /** Whether `bytes` more could be reserved now. */
  canReserve(bytes: number): boolean {
    return checkBytes('bytes', bytes) <= this.freeBytes
  }

  /** Reserves space for an agreement. Throws QuotaExceededError when it does not fit. */
  reserve(agreementId: string, bytes: number, owner = agreementId): Reservation {
    if (agreementId === '') throw new InvalidArgumentError('agreementId: expected a non-empty string')
    checkBytes('bytes', bytes)
    if (this.#reservations.has(agreementId)) throw new AlreadyExistsError(`Reservation '${agreementId}' exists; use grow()`)
    if (bytes > this.freeBytes) {
      throw new QuotaExceededError(`Reserving ${bytes} bytes for '${agreementId}' exceeds the quota: ${Math.max(0, this.freeBytes)} of ${this.#capacity} bytes free`, bytes, Math.max(0, this.freeBytes))
    }
    const r: MutableReservation = { id: agreementId, owner, reservedBytes: bytes, usedBytes: 0 }
    this.#reservations.set(agreementId, r)
    this.#reserved += bytes
    return { ...r }
  }

  /**
   * Sets a reservation to `newBytes` (a core grew, or the agreement was amended). Growing needs the
   * difference to be free; shrinking below the bytes already used is refused.
   */
  grow(agreementId: string, newBytes: number): Reservation {
    const r = this.#get(agreementId)
    checkBytes('newBytes', newBytes)
    if (newBytes < r.usedBytes) {
      throw new InvalidArgumentError(`Reservation '${agreementId}' cannot shrink to ${newBytes} bytes: ${r.usedBytes} are in use`)
    }
    const extra = newBytes - r.reservedBytes
    if (extra > this.freeBytes) {
      throw new QuotaExceededError(`Growing '${agreementId}' to ${newBytes} bytes exceeds the quota: ${Math.max(0, this.freeBytes)} of ${this.#capacity} bytes free`, extra, Math.max(0, this.freeBytes))
    }
    r.reservedBytes = newBytes
    this.#reserved += extra
    return { ...r }
  }

  /** Frees an agreement's reservation (agreement ended and its data garbage-collected). Returns whether it existed. */
  release(agreementId: string): boolean {
    const r = this.#reservations.get(agreementId)
    if (r === undefined) return false
    this.#reservations.delete(agreementId)
    this.#reserved -= r.reservedBytes
    return true
  }

  /** Whether `bytes` more may be written under the agreement. */
  canWrite(agreementId: string, bytes: number): boolean {
    const r = this.#reservations.get(agreementId)
    return r !== undefined && r.usedBytes + checkBytes('bytes', bytes) <= r.reservedBytes
  }

  /** Counts `bytes` more written under the agreement. Throws QuotaExceededError past its reservation. */
  charge(agreementId: string, bytes: number): Reservation {
    const r = this.#get(agreementId)
    checkBytes('bytes', bytes)
    const left = r.reservedBytes - r.usedBytes
    if (bytes > left) {
      throw new QuotaExceededError(`Writing ${bytes} bytes for '${agreementId}' exceeds its reservation: ${left} of ${r.reservedBytes} bytes left`, bytes, left)
    }
    r.usedBytes += bytes
    return { ...r }
  }

  /** Sets the bytes in use under the agreement (e.g. measured on disk at start). Same limit as charge. */
  setUsed(agreementId: string, bytes: number): Reservation {
    const r = this.#get(agreementId)
    checkBytes('bytes', bytes)
    if (bytes > r.reservedBytes) {
      throw new QuotaExceededError(`'${agreementId}' uses ${bytes} bytes, more than its reservation of ${r.reservedBytes}`, bytes, r.reservedBytes)
    }
    r.usedBytes = bytes
    return { ...r }
  }

  get(agreementId: string): Reservation | undefined {
    const r = this.#reservations.get(agreementId)
    return r === undefined ? undefined : { ...r }
  }

  usage(): QuotaUsage {
    const owners = new Map<string, { owner: string, reservedBytes: number, usedBytes: number, reservations: number }>()
    let used = 0
    for (const r of this.#reservations.values()) {
      used += r.usedBytes
      const o = owners.get(r.owner) ?? { owner: r.owner, reservedBytes: 0, usedBytes: 0, reservations: 0 }
      o.reservedBytes += r.reservedBytes
      o.usedBytes += r.usedBytes
      o.reservations++
      owners.set(r.owner, o)
    }
    return {
      capacityBytes: this.#capacity,
      reservedBytes: this.#reserved,
      usedBytes: used,
      freeBytes: this.freeBytes,
      reservations: [...this.#reservations.values()].map((r) => ({ ...r })),
      owners: [...owners.values()]
    }
  }

  toJSON(): QuotaUsage {
    return this.usage()
  }

  #get(agreementId: string): MutableReservation {
    const r = this.#reservations.get(agreementId)
    if (r === undefined) throw new NotFoundError(`No reservation '${agreementId}'`)
    return r
  }
}
