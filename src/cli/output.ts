// Everything the CLI prints goes through here. Output to a closed pipe (`favor status --watch | head -2`)
// ends the process quietly with exit 0 instead of an EPIPE stack trace; escape codes and spinners are
// written only to a terminal.

let guarded = false

/** Installs the EPIPE handler on stdout and stderr (idempotent). */
export function guardPipes(): void {
  if (guarded) return
  guarded = true
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (err: NodeJS.ErrnoException) => {
      // The reader went away: nothing more can be shown, and that is not a failure of the command.
      if (err.code === 'EPIPE') process.exit(0)
      throw err
    })
  }
}

export const isTTY = (): boolean => process.stdout.isTTY

export function out(line = ''): void {
  process.stdout.write(`${line}\n`)
}

export function err(line: string): void {
  process.stderr.write(`${line}\n`)
}

export function printJson(v: unknown): void {
  out(JSON.stringify(v, (_k, x: unknown) => typeof x === 'bigint' ? x.toString() : x, 2))
}

/** Clears the terminal before a redraw (`--watch`); nothing when stdout is not a terminal. */
export function clearScreen(): void {
  if (isTTY()) process.stdout.write('\x1b[2J\x1b[H')
}

/** Rewrites the current terminal line (progress, spinners); on a pipe prints only changed lines. */
export class StatusLine {
  private last = ''
  private active = false
  update(text: string): void {
    if (isTTY()) {
      process.stdout.write(`\r\x1b[2K${text}`)
      this.active = true
    } else if (text !== this.last) {
      out(text)
    }
    this.last = text
  }

  done(): void {
    if (this.active) process.stdout.write('\r\x1b[2K')
    this.active = false
  }
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** Shows `text` with a spinner on a terminal while `work` runs (once, plainly, on a pipe). */
export async function withSpinner<T>(text: string, work: Promise<T>, quiet = false): Promise<T> {
  if (quiet) return work
  if (!isTTY()) {
    out(text)
    return work
  }
  const line = new StatusLine()
  let i = 0
  const started = Date.now()
  const tick = (): void => { line.update(`${FRAMES[i++ % FRAMES.length] ?? ''} ${text} ${Math.floor((Date.now() - started) / 1000)}s`) }
  tick()
  const timer = setInterval(tick, 100)
  try {
    return await work
  } finally {
    clearInterval(timer)
    line.done()
  }
}
