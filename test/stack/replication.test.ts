// The harness is real: cores replicate over hyperswarm on a loopback testnet, in one process and across processes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { TestNetwork } from '../harness/network.js'
import { digestCore, makeBlocks } from '../harness/blocks.js'
import { waitFor, withTimeout } from '../harness/wait.js'

test('three peers replicate a core over hyperswarm and every block verifies', async (t) => {
  const net = await TestNetwork.create({ peers: ['alice', 'bob', 'carol'] })
  t.after(() => net.close())
  const alice = net.peer('alice')
  const core = await alice.writableCore('log')
  await core.append(makeBlocks('log', 0, 64, 4096))
  await alice.announce(core)
  const expected = await digestCore(core)

  for (const name of ['bob', 'carol']) {
    const reader = await net.peer(name).openRemote(core.key)
    await withTimeout(reader.download({ start: 0, end: reader.length }).done(), 20_000, `${name} downloading`)
    assert.equal(reader.length, 64)
    assert.equal(reader.byteLength, 64 * 4096)
    assert.equal(await digestCore(reader), expected, `${name} holds the same verified blocks`)
  }

  // A live append reaches a reader; hypercore verifies it against the new signed head.
  const bobCore = await net.peer('bob').openRemote(core.key)
  await core.append(makeBlocks('log', 64, 1, 4096))
  await waitFor(async () => { await bobCore.update(); return bobCore.length === 65 }, 10_000, 'bob seeing the append')
  assert.deepEqual(await bobCore.get(64, { timeout: 5000 }), makeBlocks('log', 64, 1, 4096)[0])
})

test('nothing outside loopback: every DHT node and every connection peer is 127.0.0.1', async (t) => {
  const net = await TestNetwork.create({ peers: ['lo-a', 'lo-b', 'lo-c'] })
  t.after(() => net.close())
  const a = net.peer('lo-a')
  const core = await a.writableCore('lo')
  await core.append(makeBlocks('lo', 0, 4, 1024))
  await a.announce(core)
  for (const name of ['lo-b', 'lo-c']) {
    const reader = await net.peer(name).openRemote(core.key)
    assert.equal(await digestCore(reader), await digestCore(core))
  }
  let nodes = 0
  let conns = 0
  for (const peer of net.peers) {
    for (const node of peer.dht.toArray()) {
      nodes++
      assert.equal(node.host, '127.0.0.1', `${peer.name} knows a DHT node at ${node.host}`)
    }
    for (const conn of peer.swarm.connections) {
      conns++
      assert.equal(conn.rawStream?.remoteHost, '127.0.0.1', `${peer.name} is connected to ${conn.rawStream?.remoteHost ?? '?'}`)
    }
  }
  assert.ok(nodes >= 3 && conns >= 2, `checked ${nodes} DHT nodes and ${conns} connections`)
})

test('deterministic identities: the same name gives the same keys', async (t) => {
  const net = await TestNetwork.create()
  t.after(() => net.close())
  const a = await net.addPeer('dora')
  const b = await net.addPeer('eve')
  assert.notDeepEqual(a.keyPair.publicKey, b.keyPair.publicKey)
  assert.deepEqual(a.swarm.keyPair.publicKey, a.keyPair.publicKey)
  await a.close()
  const again = await net.addPeer('dora')
  assert.deepEqual(again.keyPair.publicKey, a.keyPair.publicKey)
})

test('a core replicates between two separate processes', async (t) => {
  const net = await TestNetwork.create()
  t.after(() => net.close())
  const writer = await net.addProcess('proc-writer')
  const reader = await net.addProcess('proc-reader')
  assert.notEqual(writer.pid, process.pid)
  assert.notEqual(writer.pid, reader.pid)

  const seeded = await writer.call<{ key: string; length: number; digest: string }>('seed', { name: 'cross', blocks: 128, blockSize: 16384 })
  const fetched = await reader.call<{ length: number; digest: string }>('fetch', { key: seeded.key }, 60_000)
  assert.equal(fetched.length, 128)
  assert.equal(fetched.digest, seeded.digest)

  // And a peer in this process can read the same core from the other process.
  const local = await net.addPeer('local-reader')
  const core = await local.openRemote(Buffer.from(seeded.key, 'hex'))
  assert.equal(await digestCore(core), seeded.digest)
})

test('teardown leaves no socket, process or temp dir behind', async () => {
  const handleKinds = ['UDPWrap', 'TCPWrap', 'TCPServerWrap', 'ProcessWrap', 'PipeWrap']
  const count = (): number => process.getActiveResourcesInfo().filter((k) => handleKinds.includes(k)).length
  const before = count()

  const net = await TestNetwork.create({ peers: ['p1', 'p2'] })
  const proc = await net.addProcess('p3')
  const core = await net.peer('p1').writableCore('x')
  await core.append(makeBlocks('x', 0, 8, 1024))
  await net.peer('p1').announce(core)
  const remote = await net.peer('p2').openRemote(core.key)
  assert.equal(await digestCore(remote), await digestCore(core))
  const dirs = net.peers.map((p) => p.dir)
  assert.ok(count() > before, 'the network opened sockets')

  await net.close()
  await net.close() // twice is safe

  assert.equal(proc.alive, false, 'child process exited')
  assert.throws(() => process.kill(proc.pid, 0), /ESRCH/, 'no such process remains')
  for (const dir of dirs) assert.equal(existsSync(dir), false, `${dir} removed`)
  await waitFor(() => count() <= before, 5000, 'sockets to close')
  assert.equal(count(), before)
})
