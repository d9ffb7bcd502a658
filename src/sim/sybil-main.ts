// `npm run sim:sybil`: prints the Sybil economics table of docs/sybil.md (runs the real contract).
import { sybilTable } from './sybil.js'

const lines = await sybilTable()
process.stdout.write(`${lines.join('\n')}\n`)
