// The one place a benchmark's figure becomes both printed text and a JSON record (issue 15 item 7):
// a bench calls `fig(...)` for every number it prints and prints what it returns, so the table and
// `npm run bench -- --json FILE` cannot disagree. An aim is checked here, once, and printed as
// "met" / "NOT met" (or "not comparable" when a quick run's scale is not the aim's).
import { writeFile } from 'node:fs/promises'

export type Cmp = '<' | '<=' | '>' | '>='

export interface Aim {
  /** What is compared: the figure's value, or its ratio to the baseline. */
  on: 'value' | 'ratio'
  cmp: Cmp
  limit: number
  /** False when this run's scale is not the aim's (a quick run): recorded, never judged. */
  comparable?: boolean
}

export interface Figure {
  bench: string
  name: string
  /** null: not measured in this run (e.g. a baseline that failed). */
  value: number | null
  unit: string
  /** The figure this one is compared with, measured in the same run. */
  baseline: { name: string; value: number; unit: string } | null
  /** value / baseline.value. */
  ratio: number | null
  /** e.g. "ratio <= 1" or "value < 100 ms"; null: no aim. */
  aim: string | null
  /** null: no aim, or not comparable in this run. */
  met: boolean | null
  /** How the figure was obtained when not plainly measured (e.g. "extrapolated"). */
  note?: string
}

export interface FigureOptions {
  baseline?: { name: string; value: number; unit?: string } | Printed
  aim?: Aim
  note?: string
  /** Digits after the point in the printed value (default: by magnitude). */
  digits?: number
}

/** A recorded figure and its printed forms. */
export class Printed {
  constructor(readonly figure: Figure) {}
  /** The value as printed (no unit). */
  get v(): string { return show(this.figure.value, this.figure.unit === '×' ? 2 : undefined) }
  /** The value with its unit. */
  get vu(): string { return withUnit(this.v, this.figure.unit) }
  /** The ratio to the baseline, e.g. "1.23×". */
  get r(): string { return this.figure.ratio === null ? '—' : `${this.figure.ratio.toFixed(2)}×` }
  /** The aim and its verdict, e.g. "aim ratio ≤ 1: NOT met". */
  get verdict(): string {
    const f = this.figure
    if (f.aim === null) return ''
    const state = f.met === null ? 'not comparable in this run' : f.met ? 'met' : 'NOT met'
    return `aim ${f.aim}: ${state}`
  }
}

const CMP_TEXT: Record<Cmp, string> = { '<': '<', '<=': '≤', '>': '>', '>=': '≥' }

function withUnit(v: string, unit: string): string {
  if (unit === '' || v === '—') return v
  if (unit === '×' || unit === '%') return unit === '%' ? `${v} %` : `${v}×`
  return `${v} ${unit}`
}

/** A number as the tables print it: thousands separators from 100 up, two digits below 10. */
export function show(n: number | null, digits?: number): string {
  if (n === null || !Number.isFinite(n)) return '—'
  if (digits !== undefined) return n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
  const a = Math.abs(n)
  if (Number.isInteger(n)) return n.toLocaleString('en-US')
  if (a >= 100) return Math.round(n).toLocaleString('en-US')
  if (a >= 10) return n.toFixed(1)
  return n.toFixed(2)
}

function judge(aim: Aim, x: number): boolean {
  switch (aim.cmp) {
    case '<': return x < aim.limit
    case '<=': return x <= aim.limit
    case '>': return x > aim.limit
    case '>=': return x >= aim.limit
  }
}

/** Every figure of this process's run, in the order recorded. */
export class FigureLog {
  readonly all: Figure[] = []
  bench = ''

  record(name: string, value: number | null, unit: string, opts: FigureOptions = {}): Printed {
    const b = opts.baseline instanceof Printed
      ? (opts.baseline.figure.value === null ? null : { name: opts.baseline.figure.name, value: opts.baseline.figure.value, unit: opts.baseline.figure.unit })
      : opts.baseline === undefined ? null : { name: opts.baseline.name, value: opts.baseline.value, unit: opts.baseline.unit ?? unit }
    const ratio = b !== null && value !== null && b.value !== 0 ? value / b.value : null
    let aim: string | null = null
    let met: boolean | null = null
    if (opts.aim !== undefined) {
      const a = opts.aim
      aim = a.on === 'ratio' ? `ratio ${CMP_TEXT[a.cmp]} ${a.limit}` : `${CMP_TEXT[a.cmp]} ${withUnit(show(a.limit), unit)}`
      const x = a.on === 'ratio' ? ratio : value
      met = a.comparable === false || x === null ? null : judge(a, x)
    }
    const figure: Figure = { bench: this.bench, name, value, unit, baseline: b, ratio, aim, met, ...(opts.note !== undefined ? { note: opts.note } : {}) }
    this.all.push(figure)
    const p = new Printed(figure)
    if (opts.digits !== undefined) {
      const d = opts.digits
      Object.defineProperty(p, 'v', { get: () => show(figure.value, d) })
    }
    return p
  }

  async writeJson(file: string, run: Record<string, unknown>): Promise<void> {
    await writeFile(file, JSON.stringify({ ...run, figures: this.all }, null, 2) + '\n')
  }
}

/** The run's log: `bench/run.ts` sets `bench` before each benchmark and writes the JSON at the end. */
export const figures = new FigureLog()

/** Records a figure of the current benchmark and returns its printed forms. */
export function fig(name: string, value: number | null, unit: string, opts: FigureOptions = {}): Printed {
  return figures.record(name, value, unit, opts)
}
