// Child process of the statement e2e test: it has only a statement file and a network key (argv), and
// runs where the test puts it (a network namespace with no interface up). Prints one JSON line: the
// verified values or the error code, and every package module it loaded (require.cache), so the test
// can check that verifying pulled in no Holepunch network module.
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { networkInterfaces } from 'node:os'
import { verifyStatement } from '../../src/statement/verify.js'
import { valuesToJSON } from '../../src/statement/values.js'
import { isStatementError } from '../../src/statement/errors.js'

const [file, network] = process.argv.slice(2)
if (file === undefined || network === undefined) {
  process.stderr.write('usage: child-verify FILE NETWORK_KEY\n')
  process.exit(2)
}
const modules = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('node_modules'))
let result: Record<string, unknown>
try {
  result = { ok: true, values: valuesToJSON(verifyStatement(readFileSync(file), { networkKey: network })) }
} catch (err) {
  if (!isStatementError(err)) throw err
  result = { ok: false, code: err.code, message: err.message }
}
// Read the cache again after verifying: lazy requires would show up here.
const after = Object.keys(createRequire(import.meta.url).cache).filter((p) => p.includes('node_modules'))
process.stdout.write(JSON.stringify({ ...result, modules: [...new Set([...modules, ...after])], interfaces: Object.keys(networkInterfaces()) }) + '\n')
