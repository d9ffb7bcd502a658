// The queue survives restarts. Delivery is at-least-once: a task whose record is in the store when
// the process stops (because it had not finished) runs again on the next start, attempt count kept.
// A task that finished before the stop is not run again, because its record was deleted (durably)
// before the next task's `running` record was written.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, test } from 'node:test'
import { ClosedError, CorruptStateError, FileTaskStore, Scheduler, TransientKindsStore } from '../../src/runtime/index.js'
import type { TaskRecord } from '../../src/runtime/index.js'
import { aborted, deferred, tempDir, waitFor } from './helpers.js'

type Tasks = { work: { n: number } }

function record(id: string, over: Partial<TaskRecord> = {}): TaskRecord {
  return {
    id, kind: 'work', payload: { n: 1 }, key: null, priority: 0, deadline: null, maxAttempts: 3,
    backoffBaseMs: 10, backoffMaxMs: 100, seq: 0, enqueuedAt: 0, runAt: 0, attempts: 0, failures: 0,
    state: 'queued', lastError: null, ...over
  }
}

function counts(lines: string): Map<number, number> {
  const m = new Map<number, number>()
  for (const line of lines.split('\n')) {
    if (line === '') continue
    const n = Number(line.split(' ')[0])
    m.set(n, (m.get(n) ?? 0) + 1)
  }
  return m
}

describe('FileTaskStore', () => {
  test('writes atomically, reloads, coalesces bursts, and refuses after close', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const store = FileTaskStore.inDir(dir)
    assert.deepEqual(await store.load(), [])
    await Promise.all([store.put(record('a')), store.put(record('b', { seq: 1 })), store.put(record('c', { seq: 2 }))])
    await store.delete('b')
    await store.close()
    await assert.rejects(store.put(record('d')), ClosedError)
    assert.equal(existsSync(join(dir, 'tasks.json.tmp')), false)
    const again = FileTaskStore.inDir(dir)
    assert.deepEqual((await again.load()).map((r) => r.id).sort(), ['a', 'c'])
    await again.close()
  })

  test('ignores a leftover temporary file and rejects a corrupt one with CorruptStateError', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const store = FileTaskStore.inDir(dir)
    await store.load()
    await store.put(record('a'))
    await store.close()
    await writeFile(join(dir, 'tasks.json.tmp'), '{"version":1,"tasks":[{"id":"half')
    const s2 = FileTaskStore.inDir(dir)
    assert.deepEqual((await s2.load()).map((r) => r.id), ['a'])
    assert.equal(existsSync(join(dir, 'tasks.json.tmp')), false)
    await s2.close()
    await writeFile(join(dir, 'tasks.json'), 'not json')
    await assert.rejects(FileTaskStore.inDir(dir).load(), CorruptStateError)
    await writeFile(join(dir, 'tasks.json'), JSON.stringify({ version: 99, tasks: [] }))
    await assert.rejects(FileTaskStore.inDir(dir).load(), CorruptStateError)
  })
})

describe('TransientKindsStore', () => {
  test('keeps transient kinds in memory and the others on disk; drops a transient record found on disk', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const old = FileTaskStore.inDir(dir)
    await old.load()
    await old.put(record('stale', { kind: 'tick' }))
    await old.close()
    const store = new TransientKindsStore(FileTaskStore.inDir(dir), ['tick'])
    assert.deepEqual(await store.load(), [], 'the transient record on disk is not loaded')
    await store.put(record('a'))
    await store.put(record('t', { kind: 'tick' }))
    await store.delete('t')
    await store.put(record('t2', { kind: 'tick' }))
    await store.close()
    const onDisk = JSON.parse(await readFile(join(dir, 'tasks.json'), 'utf8')) as { tasks: TaskRecord[] }
    assert.deepEqual(onDisk.tasks.map((r) => r.id), ['a'], 'only the durable kind, and the stale transient one is gone')
  })
})

describe('Scheduler persistence', () => {
  test('tasks survive a close mid-run and complete exactly once after reopening', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const completions: number[] = []
    const attemptsOf3: number[] = []

    const first = new Scheduler<Tasks>({ store: FileTaskStore.inDir(dir) }, { concurrency: 1 })
    const slowStarted = deferred()
    first.register('work', async ({ n }, { signal, attempt }) => {
      if (n === 3) {
        attemptsOf3.push(attempt)
        slowStarted.resolve()
        throw await aborted(signal) // runs until close() aborts it
      }
      completions.push(n)
    })
    await first.open()
    for (let n = 1; n <= 5; n++) await first.enqueue('work', { n })
    await slowStarted.promise
    await first.close()
    assert.deepEqual(completions, [1, 2])

    const second = new Scheduler<Tasks>({ store: FileTaskStore.inDir(dir) }, { concurrency: 1 })
    t.after(() => second.close())
    second.register('work', ({ n }, { attempt }) => {
      if (n === 3) attemptsOf3.push(attempt)
      completions.push(n)
      return Promise.resolve()
    })
    await second.open()
    assert.equal(second.list().length, 3)
    await second.onIdle()
    assert.deepEqual(completions, [1, 2, 3, 4, 5])
    assert.deepEqual(attemptsOf3, [1, 2], 'the interrupted task keeps its attempt count')
    assert.equal(second.counters().failed, 0)
    await second.close()

    const third = new Scheduler<Tasks>({ store: FileTaskStore.inDir(dir) })
    third.register('work', () => Promise.reject(new Error('nothing should be left to run')))
    await third.open()
    assert.equal(third.list().length, 0)
    await third.close()
  })

  test('a retry waiting on backoff is kept across a restart', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const first = new Scheduler<Tasks>({ store: FileTaskStore.inDir(dir), random: () => 0 }, { backoffBaseMs: 60_000 })
    const retrying = deferred()
    first.on('retrying', () => { retrying.resolve() })
    first.register('work', () => Promise.reject(new Error('transient')))
    await first.open()
    await first.enqueue('work', { n: 1 }, { maxAttempts: 3 })
    await retrying.promise
    await first.close()

    const second = new Scheduler<Tasks>({ store: FileTaskStore.inDir(dir) })
    t.after(() => second.close())
    second.register('work', async () => {})
    await second.open()
    const [task] = second.list()
    assert.equal(task?.state, 'queued')
    assert.equal(task?.attempts, 1)
    assert.equal(task?.failures, 1)
    assert.equal(task?.lastError, 'transient')
    assert.ok((task?.runAt ?? 0) > Date.now() + 20_000, 'the backoff delay is kept')
  })

  test('survives kill -9 mid-task: nothing lost, completed tasks not rerun (at-least-once)', async (t) => {
    const { dir, remove } = await tempDir()
    t.after(remove)
    const here = import.meta.url
    const ts = here.endsWith('.ts')
    const fixture = fileURLToPath(new URL(`./fixtures/scheduler-worker.${ts ? 'ts' : 'js'}`, here))
    const run = (mode: string): { exit: Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string }>, kill: () => void } => {
      const args = ts ? ['--import', 'tsx', fixture, dir, mode] : [fixture, dir, mode]
      const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
      let stderr = ''
      child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d })
      child.stdout.resume()
      const exit = new Promise<{ code: number | null, signal: NodeJS.Signals | null, stderr: string }>((resolve) => {
        child.on('exit', (code, signal) => { resolve({ code, signal, stderr }) })
      })
      t.after(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
      return { exit, kill: () => { child.kill('SIGKILL') } }
    }
    const read = async (name: string): Promise<string> => existsSync(join(dir, name)) ? readFile(join(dir, name), 'utf8') : ''

    const first = run('first')
    await waitFor(async () => existsSync(join(dir, 'enqueued')) && (await read('starts.log')).includes('3 1 first'), 8_000, 'the slow task to start')
    first.kill()
    const firstExit = await first.exit
    assert.equal(firstExit.signal, 'SIGKILL', firstExit.stderr)
    assert.equal(counts(await read('done.log')).get(3), undefined, 'the slow task had not finished')

    const second = run('second')
    const secondExit = await second.exit
    assert.equal(secondExit.code, 0, secondExit.stderr)

    const done = counts(await read('done.log'))
    for (let n = 1; n <= 5; n++) {
      // At-least-once allows a rerun of a task interrupted after its side effect; in this schedule
      // every completed task was durably deleted before the kill, so each ran exactly once.
      assert.equal(done.get(n), 1, `task ${n} completed ${done.get(n) ?? 0} times`)
    }
    const starts = (await read('starts.log')).split('\n').filter((l) => l.startsWith('3 '))
    assert.deepEqual(starts, ['3 1 first', '3 2 second'], 'the killed task is retried with its attempt count kept')
    const tasks = JSON.parse(await read('tasks.json')) as { tasks: unknown[] }
    assert.deepEqual(tasks.tasks, [])
  })
})
