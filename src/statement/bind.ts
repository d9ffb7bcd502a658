// What ties a view core to a network, from Autobase 7.28.1's AutoStore (lib/store.js): every signer of
// a view core carries the namespace
//   BLAKE2b(NS_SIGNER_NAMESPACE ‖ uint(INDEX_VERSION=1) ‖ bootstrapKey ‖ BLAKE2b(encryptionKey or empty)
//           ‖ entropy ‖ viewName)
// and hypercore signs the manifest's hash (the core key), so a signature under that manifest names
// this network and this view ('view', the Favor ledger's Hyperbee) — not another Autobase the same
// indexer key also signs for, nor the system core. Favor's ledger is unencrypted.
import { blake2b } from '../stack/crypto.js'
import { cryptoNamespace, writerKeyForSigner } from '../stack/multisig.js'

const [NS_SIGNER_NAMESPACE] = cryptoNamespace('autobase', 4) as [Buffer, ...Buffer[]]
const INDEX_VERSION = Buffer.from([1])
const NO_ENCRYPTION = blake2b(Buffer.alloc(0))
/** The name Favor's ledger gives its Hyperbee view (src/stack/autobase.ts). */
export const LEDGER_VIEW_NAME = 'view'

export function viewSignerNamespace(networkKey: Uint8Array, entropy: Uint8Array, name = LEDGER_VIEW_NAME): Buffer {
  return blake2b([NS_SIGNER_NAMESPACE, INDEX_VERSION, networkKey, NO_ENCRYPTION, entropy, Buffer.from(name)])
}

/** An indexer's account id (its writer core key) from the public key it signs with. */
export function accountOfSigner(publicKey: Uint8Array): Buffer {
  return writerKeyForSigner(publicKey)
}
