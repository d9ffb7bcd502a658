#!/usr/bin/env node
// The `favor` command. Parses argv with node:util parseArgs and talks to the running daemon over its
// HTTP API (base URL from `<dir>/api.json`, bearer token from `<dir>/api-token`). `init`, `start`,
// `network`, `config`, `testnet`, `logs`, `version`, `completion` and `demo` work without a daemon.
// Exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running, 4 refused by the ledger/API.
import { realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { CliError, EXIT, UsageError } from './client.js'
import { COMMON_FLAGS, dataDir, flagHelp, parseOptions } from './command.js'
import type { Command, Values } from './command.js'
import { actionCommands } from './commands/actions.js'
import { daemonCommands } from './commands/daemon.js'
import { demo } from './commands/demo.js'
import { publish, unpin } from './commands/publish.js'
import { get, ls } from './commands/folder.js'
import { folder } from './commands/shared-folder.js'
import { readCommands } from './commands/reads.js'
import { statement } from './commands/statement.js'
import { completionCommand, toolCommands } from './commands/tools.js'
import { err, guardPipes, out } from './output.js'

const commands: Record<string, Command> = {
  ...daemonCommands,
  testnet: toolCommands.testnet as Command,
  publish,
  unpin,
  get,
  ls,
  folder,
  ...actionCommands,
  ...readCommands,
  statement,
  logs: toolCommands.logs as Command,
  version: toolCommands.version as Command,
  completion: completionCommand(() => commands, Object.keys(COMMON_FLAGS).map((f) => `--${f}`)),
  demo
}

function globalHelp(): string {
  const lines = [
    'favor — keep each other\'s hypercores online, prove it, keep score',
    '',
    'usage: favor <command> [options]   (favor <command> --help for its options)',
    '',
    'first steps on one machine:',
    '  favor testnet                                            # a local DHT bootstrap; prints --bootstrap …',
    '  favor init --dir n1 --name n1 --bootstrap 127.0.0.1:PORT && favor network create --dir n1',
    '  favor start --dir n1                                     # on a real network: omit --bootstrap (public HyperDHT)',
    '',
    'commands:'
  ]
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(11)} ${c.summary}`)
  lines.push('', 'common options: -d/--dir DIR (or FAVOR_DIR; default ~/.favor), --json on every read command, -h/--help',
    'exit codes: 0 ok, 1 error, 2 usage, 3 daemon not running, 4 refused by the ledger/API',
    'configuration: favor config; every key and FAVOR_* variable is in docs/config.md')
  return lines.join('\n')
}

function commandHelp(name: string, cmd: Command): string {
  return [`usage: ${cmd.usage}`, '', cmd.summary, '', 'options:', ...flagHelp({ ...cmd.flags, ...COMMON_FLAGS })].join('\n')
}

export async function main(argv: string[]): Promise<number> {
  guardPipes()
  const name = argv[0]
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const sub = name === 'help' ? argv[1] : undefined
    const c = sub === undefined ? undefined : commands[sub]
    out(c !== undefined && sub !== undefined ? commandHelp(sub, c) : globalHelp())
    return name === undefined ? EXIT.usage : EXIT.ok
  }
  if (name === '--version' || name === '-V') return main(['version', ...argv.slice(1)])
  const cmd = commands[name]
  if (cmd === undefined) {
    err(`favor: unknown command '${name}'\n\n${globalHelp()}`)
    return EXIT.usage
  }
  let parsed: { values: Values, positionals: string[] }
  try {
    parsed = parseArgs({ args: argv.slice(1), options: parseOptions({ ...COMMON_FLAGS, ...cmd.flags }), allowPositionals: true, strict: true }) as { values: Values, positionals: string[] }
  } catch (e) {
    err(`favor ${name}: ${(e as Error).message}\nusage: ${cmd.usage}`)
    return EXIT.usage
  }
  if (parsed.values.help === true) {
    out(commandHelp(name, cmd))
    return EXIT.ok
  }
  try {
    const dirFlag = typeof parsed.values.dir === 'string' && parsed.values.dir !== ''
    await cmd.run({ values: parsed.values, positionals: parsed.positionals, dir: dataDir(parsed.values), dirFlag })
    return EXIT.ok
  } catch (e) {
    if (e instanceof CliError) {
      err(`favor ${name}: ${e.message}`)
      if (e instanceof UsageError) err(`usage: ${cmd.usage}`)
      return e.exitCode
    }
    err(`favor ${name}: ${e instanceof Error ? e.message : String(e)}`)
    return EXIT.error
  }
}

/**
 * True when this module is the program: argv[1] may be a symlink (an npm bin, `npm link`, `npx`) or
 * lack the extension, so compare real paths, not names.
 */
function isEntry(): boolean {
  const arg = process.argv[1]
  if (arg === undefined) return false
  const self = fileURLToPath(import.meta.url)
  for (const candidate of [arg, `${arg}.js`]) {
    try {
      if (realpathSync(candidate) === realpathSync(self)) return true
    } catch { /* not this candidate */ }
  }
  return false
}

if (isEntry()) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code
  }, (e: unknown) => {
    process.stderr.write(`favor: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`)
    process.exitCode = EXIT.error
  })
}
