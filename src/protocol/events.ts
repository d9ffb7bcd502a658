// A queue of connection events with a bounded wait: the attestor's challenge runs as a sequence of
// phases, each waiting for some event types; events another phase wants stay queued.
export class EventQueue<E extends { type: string }> {
  private queue: E[] = []
  private waiter: ((e: E) => void) | null = null

  push(e: E): void {
    if (this.waiter) {
      const w = this.waiter
      this.waiter = null
      w(e)
    } else {
      this.queue.push(e)
    }
  }

  /** The next event whose type is in `types`, or null after ms. */
  async next<T extends E['type']>(types: readonly T[], ms: number): Promise<Extract<E, { type: T }> | null> {
    const wanted = (e: E): e is Extract<E, { type: T }> => (types as readonly string[]).includes(e.type)
    const deadline = performance.now() + ms
    for (;;) {
      const i = this.queue.findIndex(wanted)
      if (i >= 0) return this.queue.splice(i, 1)[0] as Extract<E, { type: T }>
      const left = deadline - performance.now()
      if (left <= 0) return null
      const e = await new Promise<E | null>((resolve) => {
        const timer = setTimeout(() => {
          this.waiter = null
          resolve(null)
        }, left)
        this.waiter = (ev: E): void => {
          clearTimeout(timer)
          resolve(ev)
        }
      })
      if (e === null) return null
      if (wanted(e)) return e
      this.queue.push(e) // not what we wait for now; a later phase may
    }
  }
}
