// Finding a folder's cores on the network. Members find each other on the folder's topic (its key's
// discovery key, which is the creator's writer core's), but hosters announce each hosted core on that
// core's own discovery key, and with the members offline the writer, blobs and view cores may sit on
// different hosters. So every core the view names is looked up on its own topic; each newly applied
// `join` names more cores, so this runs again on every update until nothing new appears.
import { discoveryKey, type Swarm } from '../stack/index.js'
import type { SharedFolder } from './shared-folder.js'

export class CoreTopics {
  private readonly joined = new Set<string>()
  private running: Promise<void> | null = null
  private again = false

  constructor(private readonly swarm: Swarm) {}

  /** Joins (as a client) the topic of every core of the folder not joined yet. */
  sync(folder: SharedFolder): Promise<void> {
    if (this.running !== null) {
      this.again = true
      return this.running
    }
    this.running = (async () => {
      do {
        this.again = false
        for (const c of await folder.cores()) {
          const dk = discoveryKey(c.key)
          const hex = dk.toString('hex')
          if (this.joined.has(hex) || this.swarm.destroyed) continue
          this.joined.add(hex)
          this.swarm.join(dk, { server: false, client: true })
        }
      } while (this.again)
    })().finally(() => { this.running = null })
    return this.running
  }
}
