// The one entry point to the Holepunch stack. Code outside src/stack imports from here only.
export * from './crypto.js'
export * from './hypercore.js'
export * from './corestore.js'
export * from './swarm.js'
export * from './protomux.js'
export * from './merkle.js'
export * from './autobase.js'
