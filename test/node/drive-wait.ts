// What the drive tests wait for before the publisher goes offline: not only active agreements covering
// the recorded lengths (a grow updates those at once), but hosters that HOLD the blocks — without that,
// a reader with the publisher offline can wait forever on a block no one has.
import { getRequest, listAgreements } from '../../src/ledger/index.js'
import type { FavorNode } from '../../src/node.js'

/**
 * Every core of the request has `replicas` active agreements at the wanted length, and as many hosters
 * holding all of those blocks (contiguously from block 0).
 */
export async function hostersHold(nodes: FavorNode[], pub: FavorNode, requestId: number, lengths: Map<string, number>): Promise<boolean> {
  const req = await getRequest(pub.ledger.kv, requestId)
  if (req === null) return false
  const agrs = await listAgreements(pub.ledger.kv, { requestId })
  for (const c of req.cores) {
    const want = lengths.get(c.key)
    if (want === undefined || c.length !== want) return false
    const active = agrs.filter((a) => a.coreKey === c.key && a.state === 'active' && a.length === want)
    if (active.length < req.replicas) return false
    const holding = nodes.filter((n) => active.some((a) => a.hoster === n.account) && n.mirrors().some((m) => m.coreKey === c.key && m.have >= want))
    if (holding.length < req.replicas) return false
  }
  return true
}
