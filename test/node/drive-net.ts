// The network of the drive e2e tests: an indexer and two more hosters in three groups, and a publisher
// in a directory of its own (so a test can stop and reopen it with `reopenPub`). Every node shares the
// test's one event loop while the files stream to the hosters: long epochs and deadlines, as in
// test/e2e/growth.test.ts (what these tests check is the drive, not lateness).
import type { FavorNode } from '../../src/node.js'
import type { ChallengeRecord } from '../../src/node.js'
import { makeTempDir } from '../harness/tmp.js'
import type { NodeNet } from './helpers.js'

export const DRIVE_TIMING = { epochMs: 8000, challenge: { deadlineMs: 3000, connectTimeoutMs: 3000, hardTimeoutMs: 5000 } }

export interface DriveNet {
  idx: FavorNode
  pub: FavorNode
  pubDir: string
  h2: FavorNode
  /** Every challenge any node ran, as it ran. */
  challenges: ChallengeRecord[]
  /** Opens the publisher again in its directory (after `net.closeNode(pub)`). */
  reopenPub(): Promise<FavorNode>
}

export async function driveNet(net: NodeNet, capacityBytes: number, pubDirName: string): Promise<DriveNet> {
  const hoster = { capacityBytes }
  const idx = await net.add('idx', { ...DRIVE_TIMING, hoster: { ...hoster, group: 'g1' } })
  const pubDir = await makeTempDir(pubDirName)
  const pub = await net.add('pub', { ...DRIVE_TIMING, autoJoin: false }, pubDir)
  await idx.admit(pub.account)
  await pub.waitWritable(20_000)
  const h2 = await net.addAdmitted('h2', { ...DRIVE_TIMING, hoster: { ...hoster, group: 'g2' } })
  await net.addAdmitted('h3', { ...DRIVE_TIMING, hoster: { ...hoster, group: 'g3' } })
  const challenges: ChallengeRecord[] = []
  for (const n of net.nodes) n.on('challenge', (c) => challenges.push(c))
  return { idx, pub, pubDir, h2, challenges, reopenPub: () => net.add('pub', { ...DRIVE_TIMING, autoJoin: false }, pubDir) }
}
