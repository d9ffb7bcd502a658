import assert from 'node:assert/strict'
import { test } from 'node:test'
import { compileNamespaces, createLogger, createMemorySink, createStreamSink, formatRecord } from '../../src/runtime/index.js'

test('children carry the node prefix and a colon-joined namespace', () => {
  const mem = createMemorySink()
  const alice = createLogger({ prefix: 'alice', level: 'debug', sink: mem.sink, now: () => 0 })
  const bob = createLogger({ prefix: 'bob', level: 'debug', sink: mem.sink, now: () => 0 })
  alice.child('hoster').info('mirrored', { key: 'ab12', blocks: 3 })
  bob.child('attestor').child('challenge').warn('slow reply', { ms: 950 })
  assert.deepEqual(mem.lines(), [
    'INFO [alice] favor:hoster mirrored key=ab12 blocks=3',
    'WARN [bob] favor:attestor:challenge slow reply ms=950'
  ])
  assert.equal(mem.records[0]?.namespace, 'favor:hoster')
  assert.equal(formatRecord({ time: 0, level: 'error', prefix: '', namespace: 'favor', message: 'm', fields: { e: new Error('x y') } }),
    '1970-01-01T00:00:00.000Z ERROR favor m e="x y"')
})

test('the level threshold drops lower records', () => {
  const mem = createMemorySink()
  const log = createLogger({ level: 'warn', sink: mem.sink })
  log.debug('d')
  log.info('i')
  log.warn('w')
  log.error('e')
  assert.deepEqual(mem.records.map((r) => r.level), ['warn', 'error'])
  assert.equal(log.enabled('info'), false)
  const silent = createLogger({ level: 'silent', sink: mem.sink })
  silent.error('nothing')
  assert.equal(mem.records.length, 2)
})

test('namespaces filter debug and info like DEBUG=favor:*,-favor:scheduler; warnings always pass', () => {
  const mem = createMemorySink()
  const root = createLogger({ level: 'debug', namespaces: 'favor:hoster*,-favor:hoster:noisy', sink: mem.sink })
  root.child('hoster').debug('a')
  root.child('hoster').child('mirror').debug('b')
  root.child('hoster').child('noisy').info('c')
  root.child('scheduler').info('d')
  root.child('scheduler').warn('e')
  assert.deepEqual(mem.records.map((r) => r.message), ['a', 'b', 'e'])
  const f = compileNamespaces('favor:*')
  assert.equal(f('favor:x'), true)
  assert.equal(f('other:x'), false)
})

test('the stream sink writes one line per record; a throwing sink does not throw into the caller', () => {
  const chunks: string[] = []
  const log = createLogger({ prefix: 'n1', sink: createStreamSink({ write: (c: string) => chunks.push(c) }) })
  log.info('hello')
  assert.equal(chunks.length, 1)
  assert.match(chunks[0] ?? '', /^\S+ INFO {2}\[n1\] favor hello\n$/)
  const broken = createLogger({ sink: () => { throw new Error('disk full') } })
  assert.doesNotThrow(() => { broken.error('x') })
})
