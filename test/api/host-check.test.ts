// The Host header rule on its own, for every kind of bind address (the access test drives the loopback
// case through a live server).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { hostAllowed, hostName, isLoopbackBind } from '../../src/api/host-check.js'

test('bound to loopback: exactly localhost, 127.0.0.1 and [::1], with or without a port', () => {
  for (const bound of ['127.0.0.1', 'localhost', '::1']) {
    assert.ok(isLoopbackBind(bound), bound)
    for (const h of ['localhost', 'localhost:7373', '127.0.0.1', '127.0.0.1:7373', '[::1]', '[::1]:7373', 'LOCALHOST:7373']) assert.ok(hostAllowed(h, bound), `${h} on ${bound}`)
    for (const h of [undefined, '', '127.0.0.1.nip.io', '127.0.0.1.nip.io:7373', '127.1', '127.0.0.2', 'localhost.', 'localhost.evil', 'a.localhost', '::1', '[::1', '127.0.0.1:', '127.0.0.1:abc', '127.0.0.1:7373:1', '[::ffff:127.0.0.1]', '0.0.0.0', 'example.com']) {
      assert.equal(hostAllowed(h, bound), false, `${String(h)} on ${bound}`)
    }
  }
})

test('bound elsewhere: the loopback names, the bound address, any IP literal on a wildcard; never other names', () => {
  assert.equal(isLoopbackBind('192.168.1.5'), false)
  assert.ok(hostAllowed('192.168.1.5:7373', '192.168.1.5'))
  assert.ok(hostAllowed('localhost:7373', '192.168.1.5'))
  assert.equal(hostAllowed('10.0.0.1:7373', '192.168.1.5'), false)
  assert.equal(hostAllowed('my-box.lan:7373', '192.168.1.5'), false)
  assert.ok(hostAllowed('10.0.0.1:7373', '0.0.0.0'))
  assert.ok(hostAllowed('[fe80::1]:7373', '::'))
  assert.equal(hostAllowed('127.0.0.1.nip.io', '0.0.0.0'), false)
  assert.equal(hostAllowed('my-box.lan', '0.0.0.0'), false)
})

test('hostName parses name, name:port, [v6] and [v6]:port', () => {
  assert.equal(hostName('Example.COM:80'), 'example.com')
  assert.equal(hostName('[::1]:8080'), '[::1]')
  assert.equal(hostName('[::1]'), '[::1]')
  assert.equal(hostName('[::1]x'), null)
  assert.equal(hostName('a:b:c'), null)
})
