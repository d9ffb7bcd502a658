// Which prefix of this node's view the indexers signed, checked rather than assumed. Each node applies
// the ops itself; the indexers sign their own view's Merkle tree, and replication brings that signed
// head into the view core's default state. When this node's view, at the signed length, has the same
// tree hash as the signed head, every block up to there is what the indexers signed: that prefix is
// final here. When the hashes differ this node computed another state than the indexers did (seen
// after a kill -9 and restart under load: docs/reliability.md, F5), so nothing it applied past the
// common prefix may be called final, and it must be repaired from the signed state.
import { openSignedView, type Base, type Core } from '../stack/index.js'

export interface SignedViewState {
  /** Longest view length checked to equal the indexers' signed view (0 before any check). */
  verified: number
  /** Signed length at the last check where this node's view differed (null: none seen). */
  divergedAt: number | null
}

export class SignedViewCheck {
  private signed: Core | null = null
  private running: Promise<void> | null = null
  private again = false
  private closed = false
  readonly state: SignedViewState = { verified: 0, divergedAt: null }

  /**
   * `indexedLength` is the view length this node's own linearizer holds as ordered for good: a view is
   * only judged up to there (replication can bring the signed head before this node has the acks that
   * reorder its optimistic tail the same way; that tail is not a divergence).
   */
  constructor(
    private readonly base: Base,
    private readonly indexedLength: () => number,
    private readonly onDiverged: (signedLength: number) => void,
    private readonly onError: (err: unknown) => void
  ) {}

  /** Checks now, or once more after the check in flight (calls coalesce). Never rejects. */
  check(): Promise<void> {
    if (this.closed) return Promise.resolve()
    if (this.running !== null) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      try {
        do {
          this.again = false
          await this.compare().catch((err: unknown) => { if (!this.closed) this.onError(err) })
        } while (this.again && !this.closed)
      } finally {
        this.running = null
      }
    })()
    return this.running
  }

  private async compare(): Promise<void> {
    const local = this.base.view.core
    if (this.signed !== null && !this.signed.key.equals(local.key)) {
      // the view moved to a new core (another indexer set): its signed prefix starts again
      await this.signed.close()
      this.signed = null
      this.state.verified = 0
    }
    this.signed ??= await openSignedView(this.base)
    if (this.closed) return
    const head = this.signed.length
    // nothing signed yet, or this node has not applied that far (the check waits for it: a node whose
    // state differs keeps applying, so it passes the signed length too)
    if (head === 0 || local.length < head || head <= this.state.verified || this.indexedLength() < head) return
    const [mine, theirs] = await Promise.all([local.treeHash(head), this.signed.treeHash(head)])
    if (mine.equals(theirs)) {
      this.state.verified = head
      this.state.divergedAt = null
      return
    }
    this.state.divergedAt = head
    this.onDiverged(head)
  }

  async close(): Promise<void> {
    this.closed = true
    await this.running?.catch(() => undefined)
    await this.signed?.close()
    this.signed = null
  }
}
