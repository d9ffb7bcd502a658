// How late this process's own event loop ran while a challenge waited for its answer. The attestor times
// the answer by when its loop handles the receipt: a stall of its own (apply, GC, a busy machine) would
// be charged to the hoster unless it is known. A timer that should fire every `intervalMs` measures it.
export class LagProbe {
  private readonly timer: NodeJS.Timeout
  private last = performance.now()
  private worst = 0
  private stopped: number | null = null

  constructor(private readonly intervalMs = 20) {
    this.timer = setInterval(() => { this.note() }, intervalMs)
    this.timer.unref()
  }

  private note(): void {
    const now = performance.now()
    this.worst = Math.max(this.worst, now - this.last - this.intervalMs)
    this.last = now
  }

  /** The longest stall so far, ms, counting the one still under way; the probe keeps running. */
  peek(): number {
    if (this.stopped !== null) return this.stopped
    this.note()
    return Math.max(0, this.worst)
  }

  /** Stops (idempotent) and returns the longest stall seen, ms, counting the one still under way. */
  stop(): number {
    if (this.stopped !== null) return this.stopped
    clearInterval(this.timer)
    this.note()
    this.stopped = Math.max(0, this.worst)
    return this.stopped
  }
}
