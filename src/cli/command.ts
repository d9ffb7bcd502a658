// What a `favor` subcommand is: its usage, summary, flags (each with a description for --help) and
// its run function; plus the argument checks the commands share.
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import type { ParseArgsConfig } from 'node:util'
import { UsageError } from './client.js'
import { parseFavor } from './format.js'

export interface Flag {
  readonly type: 'string' | 'boolean'
  readonly short?: string
  /** Placeholder of the value in --help, e.g. SIZE. */
  readonly arg?: string
  readonly desc: string
}

export type Flags = Readonly<Record<string, Flag>>
export type Values = Record<string, string | boolean | undefined>

export interface RunArgs {
  readonly values: Values
  readonly positionals: string[]
  /** The node directory: --dir, else FAVOR_DIR / FAVOR_DATA_DIR, else ~/.favor. */
  readonly dir: string
  /** Whether --dir was given on the command line. */
  readonly dirFlag: boolean
}

export interface Command {
  readonly usage: string
  readonly summary: string
  readonly flags: Flags
  run(args: RunArgs): Promise<void>
}

export const COMMON_FLAGS: Flags = {
  dir: { type: 'string', short: 'd', arg: 'DIR', desc: 'the node directory (default $FAVOR_DIR, else ~/.favor)' },
  help: { type: 'boolean', short: 'h', desc: 'show this help' }
}

export const JSON_FLAG: Flags = { json: { type: 'boolean', desc: 'print the result as JSON' } }

/** node:util parseArgs options from flags (without the descriptions). */
export function parseOptions(flags: Flags): NonNullable<ParseArgsConfig['options']> {
  const options: NonNullable<ParseArgsConfig['options']> = {}
  for (const [name, f] of Object.entries(flags)) options[name] = f.short === undefined ? { type: f.type } : { type: f.type, short: f.short }
  return options
}

/** The flag lines of --help: `  -c, --capacity SIZE   bytes offered …`. */
export function flagHelp(flags: Flags): string[] {
  const rows = Object.entries(flags).map(([name, f]) => [`${f.short !== undefined ? `-${f.short}, ` : '    '}--${name}${f.arg !== undefined ? ` ${f.arg}` : ''}`, f.desc] as const)
  const width = Math.max(...rows.map(([l]) => l.length))
  return rows.map(([l, d]) => `  ${l.padEnd(width)}   ${d}`)
}

export function dataDir(values: Values): string {
  const flag = values.dir
  if (typeof flag === 'string' && flag !== '') return resolve(flag)
  const env = process.env.FAVOR_DIR ?? process.env.FAVOR_DATA_DIR
  if (env !== undefined && env !== '') return resolve(env)
  return join(homedir(), '.favor')
}

export function str(values: Values, key: string): string | undefined {
  const v = values[key]
  return typeof v === 'string' ? v : undefined
}

export function intFlag(values: Values, key: string, min: number, max: number): number | undefined {
  const v = str(values, key)
  if (v === undefined) return undefined
  if (!/^\d+$/.test(v) || Number(v) < min || Number(v) > max) throw new UsageError(`--${key}: expected an integer from ${min} to ${max}, got '${v}'`)
  return Number(v)
}

export function needPositionals(positionals: string[], n: number, what: string): void {
  if (positionals.length !== n) throw new UsageError(`expected ${what}`)
}

export function hexArg(v: string | undefined, what: string): string {
  if (v === undefined || !/^[0-9a-fA-F]{64}$/.test(v)) throw new UsageError(`${what}: expected a 32-byte key as 64 hex characters, got '${v ?? ''}'`)
  return v.toLowerCase()
}

/** A favor amount as micro-favor (decimal string); `allowZero` for limits. */
export function amountArg(v: string | undefined, allowZero = false): string {
  const n = v === undefined ? null : parseFavor(v)
  if (n === null || n < 0n || (!allowZero && n === 0n)) {
    throw new UsageError(`amount: expected a ${allowZero ? 'non-negative' : 'positive'} amount of favor such as 2.5 (or micro-favor such as 2500000u), got '${v ?? ''}'`)
  }
  return n.toString()
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))
