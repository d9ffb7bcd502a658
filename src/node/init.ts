// One config from flags to components: the CLI's flags, FAVOR_* variables and config.json resolve to one
// validated ResolvedConfig (src/runtime/config.ts); this maps it to the node's init (FavorNodeOptions),
// and FavorNode's start hands each component its part of that init (src/node.ts). Nothing else reads
// the config. The indexer's tick interval is not configured: it follows the ledger's epochSeconds
// (a genesis parameter, `epochSeconds` here), counted from each epoch's recorded start.
import type { Logger, ResolvedConfig } from '../runtime/index.js'
import type { FavorNodeOptions } from './types.js'

export function nodeInitFromConfig(config: ResolvedConfig, log: Logger): FavorNodeOptions {
  return {
    dataDir: config.dataDir,
    name: config.name,
    // No bootstrap configured: the public HyperDHT.
    bootstrap: config.network.bootstrap.length === 0 ? null : [...config.network.bootstrap],
    networkKey: config.network.key,
    ...(config.network.invite !== null ? { join: { invite: config.network.invite } } : {}),
    params: {
      epochSeconds: config.epochSeconds,
      ...(config.unvettedEpochs !== null ? { unvettedEpochs: config.unvettedEpochs } : {}),
      ...(config.founderCreditMicro !== null ? { founderCreditMicro: config.founderCreditMicro } : {})
    },
    ...(config.hoster.capacityBytes > 0 ? { hoster: { capacityBytes: config.hoster.capacityBytes, group: config.hoster.group ?? '' } } : {}),
    limits: { transfers: config.limits.transfers, connections: config.limits.connections },
    log
  }
}
