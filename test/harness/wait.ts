// Bounded waiting: every wait in the tests ends by itself.
import { setTimeout as sleep } from 'node:timers/promises'

export class WaitTimeoutError extends Error {
  override name = 'WaitTimeoutError'
}

/** Rejects with a message naming what was awaited when `promise` does not settle within `ms`. */
export async function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new WaitTimeoutError(`timed out after ${ms} ms waiting for ${what}`)), ms)
  })
  try {
    return await Promise.race([promise, timeout])
  } finally {
    clearTimeout(timer)
  }
}

/** Polls `check` every `intervalMs` until it returns a truthy value, at most `ms`. */
export async function waitFor<T>(check: () => T | Promise<T>, ms: number, what: string, intervalMs = 25): Promise<NonNullable<T>> {
  const deadline = Date.now() + ms
  for (;;) {
    const value = await check()
    if (value) return value
    if (Date.now() > deadline) throw new WaitTimeoutError(`timed out after ${ms} ms waiting for ${what}`)
    await sleep(intervalMs)
  }
}

/** A promise with its resolve exposed: a gate a test opens when a condition it controls is met. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void
  const promise = new Promise<T>((res) => { resolve = res })
  return { promise, resolve }
}
