// Network namespaces for the reliability tests (netns.test.ts): one namespace per "remote" host, each
// joined to the root namespace by a veth pair on a private /30 inside 10.213.0.0/16 chosen from the
// test's pid. No default route and no forwarding: a namespace can reach only the root end of its own
// veth (and its own loopback), so every packet stays between the test's namespaces and the root
// namespace. Cut = the namespace end of the link down; heal = up. Teardown deletes the namespaces (which
// deletes the veth pairs) and is also registered for process exit.
import { execFile, execFileSync } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

async function ip(...args: string[]): Promise<string> {
  const { stdout } = await run('ip', args, { timeout: 10_000 })
  return stdout
}

function errText(err: unknown): string {
  const e = err as { code?: string; stderr?: string; message?: string }
  return (e.stderr ?? '').trim() || e.message || String(err)
}

/** null when namespaces can be used here, else why not (the test skips with it). */
export async function netnsUnavailable(): Promise<string | null> {
  try {
    await run('ip', ['-V'], { timeout: 5000 })
  } catch (err) {
    return `the ip command (iproute2) is not available: ${errText(err)}`
  }
  if (process.getuid?.() !== 0) return 'network namespaces need root (ip netns add)'
  const probe = `favor-${process.pid}-probe`
  try {
    await ip('netns', 'add', probe)
  } catch (err) {
    return `ip netns add is not permitted here: ${errText(err)}`
  }
  await ip('netns', 'del', probe).catch(() => undefined)
  return null
}

/** Deletes namespaces left by earlier runs of these tests whose process is gone. */
async function removeStale(): Promise<void> {
  const list = await ip('netns', 'list').catch(() => '')
  for (const line of list.split('\n')) {
    const m = /^(favor-(\d+)-\S+)/.exec(line.trim())
    if (m === null) continue
    let alive = true
    try { process.kill(Number(m[2]), 0) } catch { alive = false }
    if (!alive) await ip('netns', 'del', m[1] as string).catch(() => undefined)
  }
}

export interface NsHost {
  /** Namespace name (favor-<pid>-<label>). */
  ns: string
  /** Address of the root end of the veth pair (the root namespace's nodes bind it). */
  rootIp: string
  /** Address of the namespace end (the node inside binds it). */
  nsIp: string
  rootIf: string
  nsIf: string
}

export class NetnsLab {
  readonly hosts: NsHost[] = []
  private readonly onExit = (): void => { this.destroySync() }
  private closing: Promise<void> | null = null

  private constructor() {
    process.once('exit', this.onExit)
  }

  /** Namespaces named favor-<pid>-<label>, one /30 each. */
  static async create(labels: string[]): Promise<NetnsLab> {
    await removeStale()
    const lab = new NetnsLab()
    try {
      let i = 0
      for (const label of labels) lab.hosts.push(await lab.addHost(label, i++))
    } catch (err) {
      await lab.destroy()
      throw err
    }
    return lab
  }

  private async addHost(label: string, index: number): Promise<NsHost> {
    const pid = process.pid
    // a /30 per (pid, index): 10.213.a.b with b = 4 * k
    const slot = (pid * 4 + index) % (256 * 64)
    const base = `10.213.${Math.floor(slot / 64)}.`
    const off = (slot % 64) * 4
    const h: NsHost = {
      ns: `favor-${pid}-${label}`,
      rootIp: base + String(off + 1),
      nsIp: base + String(off + 2),
      rootIf: `fv${pid}r${index}`.slice(0, 15),
      nsIf: `fv${pid}n${index}`.slice(0, 15)
    }
    this.hosts.push(h) // so destroy() removes a half-made one
    await ip('netns', 'add', h.ns)
    await ip('link', 'add', h.rootIf, 'type', 'veth', 'peer', 'name', h.nsIf)
    await ip('link', 'set', h.nsIf, 'netns', h.ns)
    await ip('addr', 'add', `${h.rootIp}/30`, 'dev', h.rootIf)
    await ip('link', 'set', h.rootIf, 'up')
    await ip('-n', h.ns, 'link', 'set', 'lo', 'up')
    await ip('-n', h.ns, 'addr', 'add', `${h.nsIp}/30`, 'dev', h.nsIf)
    await ip('-n', h.ns, 'link', 'set', h.nsIf, 'up')
    this.hosts.pop()
    return h
  }

  /** The namespace's routes: only its /30 (checked by the test: no default route). */
  async routes(h: NsHost): Promise<string> {
    return ip('-n', h.ns, 'route', 'show')
  }

  /** Cut: the namespace's end of the link goes down (the root end loses carrier). */
  async cut(h: NsHost): Promise<void> {
    await ip('-n', h.ns, 'link', 'set', h.nsIf, 'down')
  }

  async heal(h: NsHost): Promise<void> {
    await ip('-n', h.ns, 'link', 'set', h.nsIf, 'up')
  }

  destroy(): Promise<void> {
    this.closing ??= (async () => {
      for (const h of this.hosts) {
        await ip('netns', 'del', h.ns).catch(() => undefined)
        await ip('link', 'del', h.rootIf).catch(() => undefined) // gone with the namespace's end; just in case
      }
      process.off('exit', this.onExit)
    })()
    return this.closing
  }

  private destroySync(): void {
    for (const h of this.hosts) {
      try { execFileSync('ip', ['netns', 'del', h.ns], { stdio: 'ignore', timeout: 5000 }) } catch { /* gone */ }
      try { execFileSync('ip', ['link', 'del', h.rootIf], { stdio: 'ignore', timeout: 5000 }) } catch { /* gone */ }
    }
  }

  /** Namespaces and links of this process still present (for the test's teardown check). */
  static async leftovers(pid = process.pid): Promise<string[]> {
    const ns = (await ip('netns', 'list').catch(() => '')).split('\n').filter((l) => l.startsWith(`favor-${pid}-`))
    const links = (await ip('-br', 'link').catch(() => '')).split('\n').filter((l) => l.startsWith(`fv${pid}`))
    return [...ns, ...links]
  }
}
