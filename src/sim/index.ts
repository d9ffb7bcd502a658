// Public surface of the simulator.
export * from './types.js'
export { runSim, Simulator, detectionStats } from './simulator.js'
export type { SimHooks } from './simulator.js'
export { resolveConfig, scenarioBehaviours, hosterLabel, publisherLabel, indexerLabel } from './scenarios.js'
export { runDamage, damageLines } from './damage.js'
export type { Damage } from './damage.js'
export { runSybil, runLaundering, sybilTable, sybilJoinTable, captureCount, captureTable, JOIN_SCENARIO } from './sybil.js'
export type { SybilRow, SybilRunOptions, LaunderingResult, CaptureCount } from './sybil.js'
