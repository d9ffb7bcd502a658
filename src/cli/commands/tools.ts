// Commands around a node rather than through it: testnet (a local DHT bootstrap), logs, version,
// completion.
import { isErrno } from '../../errors.js'
import { closeSync, openSync, readSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { logFilePath } from '../../runtime/index.js'
import { CliError, UsageError } from '../client.js'
import { JSON_FLAG, intFlag, needPositionals, sleep } from '../command.js'
import type { Command } from '../command.js'
import { out, printJson } from '../output.js'

/** Resolves on SIGINT or SIGTERM. */
function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    const on = (sig: string) => (): void => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
      resolve(sig)
    }
    const onInt = on('SIGINT')
    const onTerm = on('SIGTERM')
    process.on('SIGINT', onInt)
    process.on('SIGTERM', onTerm)
  })
}

const testnet: Command = {
  usage: 'favor testnet [--port N] [--nodes N] [--json]',
  summary: 'run a local DHT bootstrap on 127.0.0.1 for trying Favor on one machine; prints the --bootstrap flag to pass',
  flags: {
    port: { type: 'string', arg: 'N', desc: 'UDP port of the first bootstrap node (default: a free one)' },
    nodes: { type: 'string', arg: 'N', desc: 'DHT nodes to run (default 3)' },
    ...JSON_FLAG
  },
  async run({ values, positionals }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const port = intFlag(values, 'port', 1, 65535)
    const size = intFlag(values, 'nodes', 1, 16) ?? 3
    const { createLoopbackTestnet } = await import('../../stack/index.js')
    const tn = await createLoopbackTestnet(size, { host: '127.0.0.1', ...(port !== undefined ? { port } : {}) })
    const list = tn.bootstrap.map((b) => `${b.host}:${b.port}`).join(',')
    if (values.json === true) printJson({ bootstrap: tn.bootstrap.map((b) => `${b.host}:${b.port}`), flag: `--bootstrap ${list}`, pid: process.pid })
    else {
      out(`local DHT bootstrap running on ${list} (${size} nodes, loopback only; Ctrl-C stops it)`)
      out('pass this to every node on this machine:')
      out(`  --bootstrap ${list}`)
      out(`e.g.  favor init --dir ./n1 --name n1 --bootstrap ${list} && favor network create --dir ./n1 && favor start --dir ./n1`)
    }
    const sig = await untilSignal()
    await tn.destroy()
    if (values.json !== true) out(`${sig}: testnet stopped`)
  }
}

function tailLines(text: string, n: number): string {
  const lines = text.split('\n')
  if (lines.at(-1) === '') lines.pop()
  return lines.slice(-n).join('\n')
}

const logs: Command = {
  usage: 'favor logs [--dir DIR] [-n LINES] [-f]',
  summary: "print the daemon's log (<dir>/favor.log, rotated at 5 MiB, 3 old files kept); -f follows it",
  flags: {
    lines: { type: 'string', short: 'n', arg: 'N', desc: 'how many of the last lines to print (default 50)' },
    follow: { type: 'boolean', short: 'f', desc: 'keep printing new lines as the daemon writes them (Ctrl-C ends)' }
  },
  async run({ values, positionals, dir }) {
    needPositionals(positionals, 0, 'no positional arguments')
    const n = intFlag(values, 'lines', 0, 1_000_000) ?? 50
    const path = logFilePath(dir)
    let text: string
    try {
      text = await readFile(path, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new CliError(`no log yet at ${path} (the daemon writes it: favor start --dir ${dir})`)
      throw err
    }
    if (n > 0 && text !== '') out(tailLines(text, n))
    if (values.follow !== true) return
    let pos = Buffer.byteLength(text)
    let stopped = false
    void untilSignal().then(() => { stopped = true })
    const buf = Buffer.alloc(64 * 1024)
    while (!stopped) {
      let size: number
      try {
        size = statSync(path).size
      } catch (err) {
        if (!isErrno(err, 'ENOENT')) throw err
        size = 0 // between rotation's rename and the new file
      }
      if (size < pos) pos = 0 // rotated: the new file starts from its beginning
      if (size > pos) {
        const fd = openSync(path, 'r')
        try {
          while (pos < size) {
            const got = readSync(fd, buf, 0, Math.min(buf.length, size - pos), pos)
            if (got === 0) break
            process.stdout.write(buf.subarray(0, got))
            pos += got
          }
        } finally {
          closeSync(fd)
        }
      }
      await sleep(200)
    }
  }
}

/** The package's own package.json, found upward from this file (works from src/ and dist/src/). */
async function packageVersion(): Promise<string> {
  let d = dirname(fileURLToPath(import.meta.url))
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(await readFile(join(d, 'package.json'), 'utf8')) as { name?: string, version?: string }
      if (pkg.name === 'favor' && typeof pkg.version === 'string') return pkg.version
    } catch { /* not here: one level up */ }
    d = dirname(d)
  }
  return 'unknown'
}

const version: Command = {
  usage: 'favor version [--json]',
  summary: 'print the version of favor and of Node.js',
  flags: { ...JSON_FLAG },
  async run({ values }) {
    const v = await packageVersion()
    if (values.json === true) printJson({ favor: v, node: process.versions.node })
    else out(`favor ${v} (node ${process.versions.node})`)
  }
}

/** `favor completion bash`: the script is built from the command table given by main. */
export function completionCommand(table: () => Record<string, Command>, common: readonly string[]): Command {
  return {
    usage: 'favor completion bash     (add to ~/.bashrc: source <(favor completion bash))',
    summary: 'print a shell completion script (bash; zsh with bashcompinit)',
    flags: {},
    run({ positionals }) {
      if (positionals[0] !== 'bash' || positionals.length !== 1) throw new UsageError("expected 'bash'")
      const cmds = table()
      const cases = Object.entries(cmds).map(([name, c]) => {
        const words = [...Object.keys(c.flags).map((f) => `--${f}`), ...common].join(' ')
        return `    ${name}) opts="${words}" ;;`
      })
      out([
        '# favor completion for bash (zsh: autoload -U bashcompinit && bashcompinit first)',
        '_favor() {',
        '  local cur=${COMP_WORDS[COMP_CWORD]}',
        '  if [ "$COMP_CWORD" -eq 1 ]; then',
        `    COMPREPLY=( $(compgen -W "${Object.keys(cmds).join(' ')} help" -- "$cur") )`,
        '    return',
        '  fi',
        '  local opts=""',
        '  case "${COMP_WORDS[1]}" in',
        ...cases,
        '  esac',
        '  case "${COMP_WORDS[COMP_CWORD-1]}" in',
        '    --dir|-d|--config) COMPREPLY=( $(compgen -f -- "$cur") ); return ;;',
        '  esac',
        '  COMPREPLY=( $(compgen -W "$opts" -- "$cur") )',
        '}',
        'complete -F _favor favor'
      ].join('\n'))
      return Promise.resolve()
    }
  }
}

export const toolCommands: Record<string, Command> = { testnet, logs, version }
