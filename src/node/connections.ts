// The swarm's peer connections as resources of the node's resource manager (kind `conn`): one entry per
// connection, held while it is open, so `/status` counts them beside the hosted cores, and closing the
// manager destroys what is still connected. The swarm bounds how many there are (`limits.connections`,
// hyperswarm's maxPeers); this makes them visible and owned, it does not refuse any.
import type { Logger, ResourceManager } from '../runtime/index.js'
import type { Connection, Swarm } from '../stack/index.js'

/** Tracks every current and future connection of `swarm`; returns the function that stops tracking new ones. */
export function trackConnections(swarm: Swarm, resources: ResourceManager, log: Logger): () => void {
  let seq = 0
  const track = (conn: Connection): void => {
    // one entry per connection (a peer may reconnect before its old connection closed)
    const key = `conn:${conn.remotePublicKey.toString('hex')}:${seq++}`
    resources.acquire(key, () => ({ close: () => { conn.destroy() } })).then(
      (handle) => {
        const release = (): void => {
          handle.release().catch((err: unknown) => { log.debug('connection resource release failed', { component: 'resources', key, error: (err as Error).message }) })
        }
        if (conn.destroyed) release()
        else conn.once('close', release)
      },
      // the manager is closing (the node stops): the swarm destroys its connections itself
      (err: unknown) => { log.debug('connection not tracked', { component: 'resources', key, error: (err as Error).message }) }
    )
  }
  for (const conn of swarm.connections) track(conn)
  swarm.on('connection', track)
  return () => { swarm.removeListener('connection', track) }
}
