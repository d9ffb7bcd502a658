// The Holepunch modules ship no type declarations. They are declared untyped here and wrapped with
// typed interfaces in src/stack/, the only place that imports them.
declare module 'hypercore'
declare module 'hypercore/lib/caps.js'
declare module 'hypercore/lib/messages.js'
declare module 'hyperbee/lib/messages.js'
declare module 'corestore'
declare module 'autobase'
declare module 'hyperbee'
declare module 'hyperswarm'
declare module 'hyperdht'
declare module '@hyperswarm/testnet'
declare module 'hypercore-crypto'
declare module 'protomux'
declare module 'flat-tree'
// devDependencies, used only by bench/mirror.ts through src/stack/blind-peer.ts:
declare module 'blind-peer'
declare module 'blind-peering'
// devDependencies, used only by bench/folder.ts through src/stack/mirror-drive.ts:
declare module 'localdrive'
declare module 'mirror-drive'
declare module 'rache'
declare module 'hyperdrive'
