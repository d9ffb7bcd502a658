// The dashboard's files: plain HTML, JS and CSS in ./static (no build step). When running from the
// compiled tree (dist/src/web) without copied assets, the source tree's files are used.
import { isErrno } from '../errors.js'
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, extname, join, normalize, sep } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.json': 'application/json'
}

/** The directory holding index.html, app.js and style.css. */
export function webRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url))
  const local = join(here, 'static')
  if (existsSync(join(local, 'index.html'))) return local
  const fromDist = here.replace(`${sep}dist${sep}src${sep}web`, `${sep}src${sep}web`)
  return join(fromDist, 'static')
}

export interface WebAsset {
  readonly body: Buffer
  readonly type: string
}

/** The asset for a URL path (`/` → index.html, `/static/x` → x); null when there is none. */
export async function loadAsset(root: string, pathname: string): Promise<WebAsset | null> {
  let rel: string
  if (pathname === '/' || pathname === '/index.html') rel = 'index.html'
  else if (pathname.startsWith('/static/')) rel = pathname.slice('/static/'.length)
  else if (pathname === '/favicon.svg' || pathname === '/favicon.ico') rel = 'favicon.svg'
  else return null
  if (rel === '' || rel.includes('\0')) return null
  const file = normalize(join(root, rel))
  if (!file.startsWith(root + sep)) return null
  const type = TYPES[extname(file)]
  if (type === undefined) return null
  try {
    return { body: await readFile(file), type }
  } catch (err) {
    // no such asset → 404; anything else (permissions, I/O) is a real failure
    if (!isErrno(err, 'ENOENT', 'EISDIR', 'ENOTDIR')) throw err
    return null
  }
}
