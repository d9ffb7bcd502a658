// This node's own ops: waiting until it may append, appending, and waiting (bounded) for the contract's
// verdict on an op it appended — what every user action of FavorNode goes through.
import { describeError } from '../errors.js'
import { getAccount, type AppliedInfo, type Ledger, type Op } from '../ledger/index.js'
import type { Logger } from '../runtime/index.js'
import { ActionError, NodeClosedError, NotWritableError } from './errors.js'

/** How long an admitted node waits for writability to come back while a reorder re-applies its admission. */
const REORDER_WRITABLE_GRACE_MS = 15_000
/** How long a user action waits for the contract's verdict on its op. */
const VERDICT_TIMEOUT_MS = 15_000

/** The ledger as the node's own ops use it. */
export type WritesLedger = Pick<Ledger, 'kv' | 'writable' | 'account' | 'base' | 'append' | 'update' | 'on' | 'off'>

export interface WritesComponents {
  ledger(): WritesLedger
  log: Logger
  /** True once the node began closing. */
  closing(): boolean
}

export class OwnOps {
  constructor(private readonly c: WritesComponents) {}

  /** Appends ops (throws NotWritableError before admission). */
  async append(op: Op | Op[]): Promise<void> {
    await this.requireWritable()
    await this.c.ledger().append(op)
  }

  /** Resolves when this node may append to the ledger (after a writer admitted it). */
  async waitWritable(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.c.ledger().writable) {
      if (this.c.closing()) throw new NodeClosedError()
      if (Date.now() > deadline) throw new NotWritableError(`not admitted as a writer within ${timeoutMs} ms (account ${this.c.ledger().account})`)
      // a failed update is retried on the next turn of this bounded loop
      await this.c.ledger().update().catch((err: unknown) => { this.logFailure('ledger', 'update while waiting to be writable', err, 'debug') })
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
  }

  /**
   * Before any check that reads the view: a closed node, or one not admitted yet, says so first. A node whose
   * account is already on the ledger but is momentarily not writable — Autobase undoes and re-applies its
   * admission while a reorder (e.g. an indexer change) settles — waits for that, bounded, instead of failing.
   */
  async requireWritable(): Promise<void> {
    if (this.c.closing()) throw new NodeClosedError()
    if (this.c.ledger().writable) return
    if ((await getAccount(this.c.ledger().kv, this.c.ledger().account)) !== null) {
      await this.waitWritable(REORDER_WRITABLE_GRACE_MS).catch((err: unknown) => {
        if (!(err instanceof NotWritableError)) throw err
      })
      if (this.c.ledger().writable) return
    }
    if (this.c.closing()) throw new NodeClosedError()
    throw new NotWritableError(`account ${this.c.ledger().account} is not a writer of this network yet`)
  }

  /** Refuses an action aimed at this node itself or at an account the ledger does not know. */
  async checkPeerAccount(toHex: string, what: string): Promise<void> {
    await this.requireWritable()
    const to = toHex.toLowerCase()
    if (to === this.c.ledger().account) throw new ActionError('INVALID_ARGUMENT', `cannot ${what} yourself`)
    if ((await getAccount(this.c.ledger().kv, to)) === null) throw new ActionError('NOT_FOUND', `no account ${to} on the ledger (an account is a node's writer key, printed by favor status)`)
  }

  /**
   * Runs `append` (which appends one op of `type` from this node) and waits, bounded, for the
   * contract's verdict on it: throws ActionError LEDGER_REFUSED with the contract's reason. The op is
   * recognised by its position in this node's writer core (after the length before the append) and its
   * type, so ops the roles append meanwhile are not mistaken for it.
   */
  async confirmOwn<T>(type: Op['type'], append: () => Promise<T>, timeoutMs = VERDICT_TIMEOUT_MS): Promise<T> {
    const seen: AppliedInfo[] = []
    const onApplied = (info: AppliedInfo): void => {
      if (info.writer === this.c.ledger().account && info.result.type === type) seen.push(info)
    }
    this.c.ledger().on('applied', onApplied)
    try {
      const before = this.c.ledger().base.local.length
      const result = await append()
      const after = this.c.ledger().base.local.length
      const deadline = Date.now() + timeoutMs
      for (;;) {
        const mine = seen.filter((i) => {
          const index = Number(i.opId.slice(i.opId.lastIndexOf(':') + 1))
          return index >= before && index < after
        })
        const last = mine.at(-1)
        if (last !== undefined) {
          if (last.result.ok) return result
          throw new ActionError('LEDGER_REFUSED', `the ledger refused the ${type}: ${last.result.reason} (${last.result.code})`, last.result.code)
        }
        if (Date.now() > deadline || this.c.closing()) {
          throw new ActionError('TIMEOUT', `the ${type} was appended but not applied within ${Math.round(timeoutMs / 1000)} s; check later with favor status`)
        }
        await this.c.ledger().update().catch((err: unknown) => { this.logFailure('ledger', `update while waiting for the ${type} verdict`, err, 'debug') })
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    } finally {
      this.c.ledger().off('applied', onApplied)
    }
  }

  /** Logs a failure that does not stop what the node is doing, with the component and the step. */
  private logFailure(component: string, doing: string, err: unknown, level: 'debug' | 'warn' = 'warn'): void {
    this.c.log[level](`${component}: ${doing} failed`, { component, ...describeError(err) })
  }
}
