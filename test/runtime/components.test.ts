// The composition of components: start in order, a failed start stops what started (in reverse) and
// names the component, stop in reverse once however often it is called, every stop failure logged
// with the component's name.
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Composition, ComponentStartError, Resource, component, createLogger, createMemorySink } from '../../src/runtime/index.js'

class Part extends Resource {
  constructor(readonly name: string, private readonly journal: string[], private readonly fail: { open?: boolean, close?: boolean } = {}) {
    super()
  }

  protected override onopen(): void {
    this.journal.push(`start ${this.name}`)
    if (this.fail.open === true) throw new Error(`${this.name} cannot bind`)
  }

  protected override onclose(): void {
    this.journal.push(`stop ${this.name}`)
    if (this.fail.close === true) throw new Error(`${this.name} close broke`)
  }
}

function setup(): { comp: Composition, journal: string[], mem: ReturnType<typeof createMemorySink> } {
  const mem = createMemorySink()
  return { comp: new Composition(createLogger({ sink: mem.sink, level: 'debug' })), journal: [], mem }
}

test('a failed start stops the started components in reverse and names the failing one', async () => {
  const { comp, journal, mem } = setup()
  const a = new Part('store', journal)
  const b = new Part('ledger', journal)
  const c = new Part('hoster', journal, { open: true })
  const d = new Part('tasks', journal)
  const err = await comp.startAll([a, b, c, d]).then(() => null, (e: unknown) => e)
  assert.ok(err instanceof ComponentStartError, `got ${String(err)}`)
  assert.equal(err.component, 'hoster')
  assert.equal(err.code, 'E_COMPONENT_START')
  assert.match(err.message, /hoster did not start: hoster cannot bind/)
  assert.ok(err.cause instanceof Error)
  // the failing one stopped itself, then the earlier ones in reverse; the later one never started
  assert.deepEqual(journal, ['start store', 'start ledger', 'start hoster', 'stop hoster', 'stop ledger', 'stop store'])
  for (const p of [a, b, c]) assert.equal(p.closed, true, `${p.name} left open`)
  assert.equal(d.opened, false)
  assert.equal(d.closing, false)
  assert.ok(mem.records.some((r) => r.level === 'warn' && r.fields?.component === 'hoster'), mem.lines().join('\n'))
  // a stopped composition starts nothing more
  await assert.rejects(comp.start(new Part('late', journal)), ComponentStartError)
  assert.equal(journal.includes('start late'), false)
})

test('stop runs in reverse, once, however often it is called', async () => {
  const { comp, journal } = setup()
  await comp.startAll([new Part('store', journal), new Part('network', journal), new Part('roles', journal)])
  assert.deepEqual(comp.names, ['store', 'network', 'roles'])
  const first = comp.stop()
  assert.equal(comp.stop(), first)
  await first
  await comp.stop()
  assert.deepEqual(journal, ['start store', 'start network', 'start roles', 'stop roles', 'stop network', 'stop store'])
})

test('stop logs every failure with the component and goes on', async () => {
  const { comp, journal, mem } = setup()
  await comp.startAll([
    new Part('store', journal),
    component('swarm', { stop: () => { journal.push('stop swarm'); throw new Error('swarm destroy broke') } }),
    new Part('hoster', journal, { close: true })
  ])
  await comp.stop()
  assert.deepEqual(journal, ['start store', 'start hoster', 'stop hoster', 'stop swarm', 'stop store'])
  const failures = mem.records.filter((r) => r.level === 'warn').map((r) => ({ component: r.fields?.component, error: r.fields?.error, message: r.message }))
  assert.deepEqual(failures, [
    { component: 'hoster', error: 'Error: hoster close broke', message: 'hoster: stop failed' },
    { component: 'swarm', error: 'Error: swarm destroy broke', message: 'swarm: stop failed' }
  ])
})

test('a stop during a start stops the starting component too', async () => {
  const { comp, journal } = setup()
  await comp.start(new Part('store', journal))
  let release = (): void => {}
  const gate = new Promise<void>((resolve) => { release = resolve })
  const slow = component('ledger', { start: () => gate, stop: () => { journal.push('stop ledger') } })
  const starting = comp.start(slow)
  const stopping = comp.stop()
  release()
  await assert.rejects(starting, (e: unknown) => e instanceof ComponentStartError && e.component === 'ledger')
  await stopping
  assert.deepEqual(journal.sort(), ['start store', 'stop ledger', 'stop store'])
})
