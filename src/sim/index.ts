// Public surface of the simulator.
export * from './types.js'
export { runSim, Simulator, detectionStats } from './simulator.js'
export type { SimHooks } from './simulator.js'
export { resolveConfig, scenarioBehaviours, hosterLabel, publisherLabel, indexerLabel } from './scenarios.js'
export { runDamage, damageLines } from './damage.js'
export type { Damage } from './damage.js'
export { runSybil, runLaundering, sybilTable } from './sybil.js'
export type { SybilRow, LaunderingResult } from './sybil.js'
