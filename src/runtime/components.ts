// Components in one shape (after js-libp2p's services): each part of the node — the store, the ledger,
// the network, the roles, the task scheduler, admission — is a named `Resource` (src/runtime/lifecycle.ts)
// built by a factory from its init and its components. Starting a component is `open()`, stopping it is
// `close()`. A `Composition` starts them in order and, when one fails, stops the ones that started, in
// reverse, before rethrowing the failure with the component's name; `stop()` stops every started one in
// reverse, logs each failure with the component's name and goes on. Both are cached: safe to call twice.
import { FavorError, describeError } from '../errors.js'
import { Resource } from './lifecycle.js'
import type { Logger } from './logger.js'

/** What a composition starts and stops. Every `Resource` with a `name` is one. */
export interface Component {
  /** Names the component in logs and errors ("hoster", "ledger", ...). */
  readonly name: string
  /** Starts it (once; later calls return the same promise). A failed start stops what it opened. */
  open(): Promise<void>
  /** Stops it (once; safe before, during or after `open()`). */
  close(): Promise<void>
}

/** A component did not start; `component` names it and `cause` is its error. */
export class ComponentStartError extends FavorError {
  static override readonly code = 'E_COMPONENT_START'
  readonly component: string
  constructor(component: string, cause: unknown) {
    super(`${component} did not start: ${cause instanceof Error ? cause.message : String(cause)}`, ComponentStartError.code, { cause })
    this.component = component
  }
}

/** A component's object was used before the component started (a bug in the composition order). */
export class NotStartedError extends FavorError {
  static override readonly code = 'E_NOT_STARTED'
  constructor(component: string) {
    super(`${component} used before it started`, NotStartedError.code)
  }
}

/** Start and stop hooks for `component()`: the start may be partial, the stop must cope with that. */
export interface ComponentHooks {
  start?(): Promise<void> | void
  stop?(): Promise<void> | void
}

class HookComponent extends Resource implements Component {
  constructor(readonly name: string, private readonly hooks: ComponentHooks) {
    super()
  }

  protected override async onopen(): Promise<void> {
    await this.hooks.start?.()
  }

  protected override async onclose(): Promise<void> {
    await this.hooks.stop?.()
  }
}

/** A component from a pair of functions (for parts that are not a class of their own, e.g. the swarm). */
export function component(name: string, hooks: ComponentHooks): Component {
  return new HookComponent(name, hooks)
}

/**
 * Starts components in order, rolls back a failed start, stops in reverse. Components are added with
 * `start(c)` (one at a time, so a later component's factory can use an earlier one's state) or
 * `startAll([...])`.
 */
export class Composition {
  private readonly started: Component[] = []
  private stopping: Promise<void> | null = null
  private readonly log: Logger

  constructor(log: Logger) {
    this.log = log
  }

  /** Names of the started components, in start order (for tests and status). */
  get names(): string[] {
    return this.started.map((c) => c.name)
  }

  get stopped(): boolean {
    return this.stopping !== null
  }

  /**
   * Starts `c`. On failure stops every component started so far (in reverse; `c` stopped itself) and
   * throws ComponentStartError naming `c`. Throws at once when the composition is stopping.
   */
  async start<C extends Component>(c: C): Promise<C> {
    if (this.stopping !== null) throw new ComponentStartError(c.name, new Error('the node is closing'))
    try {
      await c.open()
    } catch (err) {
      this.log.warn(`${c.name}: start failed; stopping the components started before it`, { component: c.name, started: this.names.join(','), ...describeError(err) })
      // a Resource stopped itself already (cached); anything else is stopped here
      await this.stopOne(c)
      await this.stop()
      throw err instanceof ComponentStartError ? err : new ComponentStartError(c.name, err)
    }
    // a stop that began while `c` was starting did not see it: stop it here
    if (this.stopping !== null) {
      await this.stopOne(c)
      throw new ComponentStartError(c.name, new Error('the node closed while it started'))
    }
    this.started.push(c)
    return c
  }

  /** Starts each in order (see `start`). */
  async startAll(list: readonly Component[]): Promise<void> {
    for (const c of list) await this.start(c)
  }

  /** Stops every started component in reverse order; each failure is logged with its name. Safe twice. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      for (let i = this.started.length - 1; i >= 0; i--) await this.stopOne(this.started[i] as Component)
    })()
    return this.stopping
  }

  private async stopOne(c: Component): Promise<void> {
    try {
      await c.close()
    } catch (err) {
      this.log.warn(`${c.name}: stop failed`, { component: c.name, ...describeError(err) })
    }
  }
}
