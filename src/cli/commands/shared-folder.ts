// `favor folder …`: shared folders (src/folder) through the daemon's /folders API. Local paths are
// resolved here and sent absolute (the daemon reads and writes them).
import { resolve } from 'node:path'
import { connect, UsageError } from '../client.js'
import { JSON_FLAG, intFlag, needPositionals, str } from '../command.js'
import type { Command } from '../command.js'
import { bytes, short, table } from '../format.js'
import { out, printJson } from '../output.js'
import type { FolderSummary } from '../../folder/node-folders.js'
import type { Listed } from '../../folder/read.js'
import type { LogEntry, Member } from '../../folder/model.js'

const USAGE = [
  'favor folder create <name> | ls [<folder>] | invite <folder> | join <invite> [--name N]',
  '  | add <folder> <path> [--as /dest] | get <folder> <outFolder> | log <folder>',
  '  | rm <folder> <path> | mv <folder> <from> <to> | cp <folder> <from> <to> | resolve <folder> <path> <versionId>',
  '  | host <folder> [--replicas N]   [--dir DIR] [--json]'
].join('\n')

const enc = encodeURIComponent

function at(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').slice(0, 19)
}

export const folder: Command = {
  usage: USAGE,
  summary: 'shared folders: several members write one folder (an Autobase); conflicts are kept, never lost',
  flags: {
    name: { type: 'string', arg: 'N', desc: 'join: the name this node gives the folder (default: its own name)' },
    as: { type: 'string', arg: 'PATH', desc: 'add: where in the folder (default: /<file or folder name>)' },
    replicas: { type: 'string', arg: 'N', desc: 'host: replicas of each core (default 1)' },
    ...JSON_FLAG
  },
  async run({ values, positionals, dir }) {
    const [sub, a, b, c] = positionals
    const json = values.json === true
    const client = await connect(dir)
    const need = (n: number, what: string) => needPositionals(positionals, n + 1, what)
    const done = (r: unknown, line: string) => { if (json) printJson(r); else out(line) }
    switch (sub) {
      case 'create': {
        need(1, 'a name: favor folder create <name>')
        const r = await client.request<FolderSummary>('POST', '/folders', { name: a })
        return done(r, `folder ${r.name} ${r.key}\ninvite someone: favor folder invite ${r.name}`)
      }
      case 'invite': {
        need(1, 'the folder: favor folder invite <folder>')
        const r = await client.request<{ invite: string }>('POST', `/folders/${enc(a ?? '')}/invite`)
        return done(r, `${r.invite}\n(one use: the invitee runs favor folder join <invite>)`)
      }
      case 'join': {
        need(1, 'the invite: favor folder join <invite>')
        const name = str(values, 'name')
        const r = await client.request<FolderSummary>('POST', '/folders/join', { invite: a, ...(name === undefined ? {} : { name }) })
        return done(r, `joined folder ${r.name} ${r.key} (${r.members} members, ${r.files} files)`)
      }
      case 'ls': {
        if (a === undefined) {
          const r = await client.request<FolderSummary[]>('GET', '/folders')
          return done(r, table(['NAME', 'KEY', 'MEMBER', 'MEMBERS', 'FILES', 'CONFLICTS'], r.map((f) => [f.name, short(f.key, 16), f.writable ? 'yes' : 'no', String(f.members), String(f.files), String(f.conflicts)])))
        }
        const r = await client.request<{ folder: FolderSummary; files: Listed[]; members: Member[] }>('GET', `/folders/${enc(a)}`)
        if (json) return printJson(r)
        const rows: string[][] = []
        for (const f of r.files) {
          for (const h of f.heads) rows.push([h.blob === null ? '(deleted)' : bytes(h.size), f.path + (f.conflict ? `  [CONFLICT ${h.id.slice(0, 8)}]` : ''), short(h.author, 8), at(h.at)])
        }
        out(table(['SIZE', 'PATH', 'BY', 'CHANGED'], rows))
        out(`${r.files.length} files, ${r.folder.conflicts} in conflict; ${r.members.length} members`)
        return
      }
      case 'add': {
        need(2, 'the folder and a local path: favor folder add <folder> <path>')
        const as = str(values, 'as')
        const r = await client.request<{ changes: Array<{ id: string; paths: string[] }> }>('POST', `/folders/${enc(a ?? '')}/add`, { path: resolve(b ?? ''), ...(as === undefined ? {} : { as }) })
        return done(r, r.changes.map((x) => `added ${x.paths.join(' ')} (change ${x.id.slice(0, 8)})`).join('\n'))
      }
      case 'get': {
        need(2, 'the folder and a new folder: favor folder get <folder> <outFolder>')
        const target = resolve(b ?? '')
        const r = await client.request<{ files: number; bytes: number }>('POST', `/folders/${enc(a ?? '')}/get`, { out: target })
        return done(r, `${r.files} files, ${bytes(r.bytes)} → ${target}`)
      }
      case 'log': {
        need(1, 'the folder: favor folder log <folder>')
        const r = await client.request<LogEntry[]>('GET', `/folders/${enc(a ?? '')}/log`)
        return done(r, table(['#', 'WHEN', 'BY', 'CHANGE', 'PATHS'], r.map((e) => [String(e.seq), at(e.at), short(e.author, 8), e.t + (e.id === null ? '' : ` ${e.id.slice(0, 8)}`), e.paths.join(' → ')])))
      }
      case 'rm': {
        need(2, 'the folder and a path: favor folder rm <folder> <path>')
        const r = await client.request<{ id: string }>('POST', `/folders/${enc(a ?? '')}/rm`, { path: b })
        return done(r, `removed ${b ?? ''} (change ${r.id.slice(0, 8)})`)
      }
      case 'mv':
      case 'cp': {
        need(3, `the folder and two paths: favor folder ${sub} <folder> <from> <to>`)
        const r = await client.request<{ id: string }>('POST', `/folders/${enc(a ?? '')}/${sub}`, { from: b, to: c })
        return done(r, `${sub === 'mv' ? 'moved' : 'copied'} ${b ?? ''} → ${c ?? ''} (change ${r.id.slice(0, 8)})`)
      }
      case 'resolve': {
        need(3, 'the folder, the path and the version to keep: favor folder resolve <folder> <path> <versionId>')
        const r = await client.request<{ id: string }>('POST', `/folders/${enc(a ?? '')}/resolve`, { path: b, keep: c })
        return done(r, `resolved ${b ?? ''}: kept ${c ?? ''} (change ${r.id.slice(0, 8)})`)
      }
      case 'host': {
        need(1, 'the folder: favor folder host <folder>')
        const replicas = intFlag(values, 'replicas', 1, 16)
        const r = await client.request<{ requests: number[] }>('POST', `/folders/${enc(a ?? '')}/host`, replicas === undefined ? {} : { replicas })
        return done(r, `hosted as request(s) ${r.requests.join(', ')} (kind autobase; a member joining adds one request for its cores)`)
      }
      default:
        throw new UsageError(sub === undefined ? 'which folder command?' : `unknown folder command ${sub}`)
    }
  }
}
