// The daemon's API port: the default gives way to a free one when taken; a port the user chose does not.
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { createServer } from 'node:net'
import type { AddressInfo } from 'node:net'
import { test } from 'node:test'
import { choosePort, DaemonError } from '../../src/daemon.js'

test('a taken API port: 0 (any free port) unless chosen explicitly (PORT_IN_USE)', async (t) => {
  const srv = createServer()
  srv.listen(0, '127.0.0.1')
  await once(srv, 'listening')
  t.after(() => new Promise<void>((resolve) => { srv.close(() => { resolve() }) }))
  const taken = (srv.address() as AddressInfo).port
  assert.equal(await choosePort('127.0.0.1', taken, false), 0)
  await assert.rejects(choosePort('127.0.0.1', taken, true), (e: unknown) => e instanceof DaemonError && e.code === 'PORT_IN_USE' && e.message.includes(String(taken)))
  assert.equal(await choosePort('127.0.0.1', 0, true), 0)
})
