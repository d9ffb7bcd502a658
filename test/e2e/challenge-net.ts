// A small live network for the challenge end-to-end tests: an indexer, a publisher, an attestor, an
// honest hoster and one hoster under test (optionally dishonest through the responder's test hooks),
// one published core hosted by both. Attestors of each agreement: the three nodes that are neither its
// hoster nor its publisher (distinct groups), so every agreement gets 3 attestors.
import type { FavorNode, FavorNodeOptions } from '../../src/node.js'
import { getAgreement, getAttestation, listAgreements, type Agreement, type Attestation, type NetworkParams } from '../../src/ledger/index.js'
import type { Core } from '../../src/stack/index.js'
import type { ResponderTestHooks } from '../../src/protocol/index.js'
import { makeBlocks } from '../harness/blocks.js'
import { waitFor } from '../harness/wait.js'
import { E2ENet, E2E_CHALLENGE, TEST_PARAMS } from './helpers.js'

export const MiB = 1024 * 1024

export interface ChallengeNet {
  net: E2ENet
  idx: FavorNode
  pub: FavorNode
  good: FavorNode
  bad: FavorNode
  core: Core
  requestId: number
  goodAgr: Agreement
  badAgr: Agreement
}

export interface ChallengeNetOptions {
  params?: Partial<NetworkParams>
  blocks: number
  blockBytes: number
  capacityBytes?: number
  /** The hoster under test's offered capacity (default capacityBytes). */
  badCapacityBytes?: number
  badHooks?: ResponderTestHooks | ((bad: () => FavorNode) => ResponderTestHooks)
  /** Real epoch length and challenge timings (default: E2E_EPOCH_MS and E2E_CHALLENGE). */
  epochMs?: number
  challenge?: FavorNodeOptions['challenge']
}

export async function challengeNet(opts: ChallengeNetOptions): Promise<ChallengeNet> {
  const net = await E2ENet.create()
  try {
    const challenge: NonNullable<FavorNodeOptions['challenge']> = opts.challenge ?? E2E_CHALLENGE
    const timing = { challenge, ...(opts.epochMs !== undefined ? { epochMs: opts.epochMs } : {}) }
    const idx = await net.addNode({ name: 'idx' }, { params: { ...TEST_PARAMS, attestors: 3, ...opts.params }, ...timing })
    const pub = await net.addNode({ name: 'pub' }, timing)
    await net.addNode({ name: 'att' }, timing)
    const capacityBytes = opts.capacityBytes ?? 256 * MiB
    const good = await net.addNode({ name: 'good', hoster: { capacityBytes, group: 'good' } }, timing)
    let badNode: FavorNode | null = null
    const hooks = typeof opts.badHooks === 'function' ? opts.badHooks(() => badNode as FavorNode) : opts.badHooks
    const bad = await net.addNode({ name: 'bad', hoster: { capacityBytes: opts.badCapacityBytes ?? capacityBytes, group: 'bad' } }, { ...timing, ...(hooks ? { testing: { responder: hooks } } : {}) })
    badNode = bad
    const core = await pub.localCore('data')
    for (let i = 0; i < opts.blocks; i += 256) await core.append(makeBlocks('data', i, Math.min(256, opts.blocks - i), opts.blockBytes))
    const { requestId } = await pub.publishCore(core, { replicas: 2 })
    const active = await waitFor(async () => {
      const agrs = await listAgreements(idx.ledger.kv, { requestId })
      return agrs.filter((a) => a.state === 'active').length >= 2 ? agrs : null
    }, 60_000, 'two active agreements')
    const goodAgr = active.find((a) => a.hoster === good.account)
    const badAgr = active.find((a) => a.hoster === bad.account)
    if (goodAgr === undefined || badAgr === undefined) throw new Error('both hosters should host the core')
    return { net, idx, pub, good, bad, core, requestId, goodAgr, badAgr }
  } catch (err) {
    await net.close()
    throw err
  }
}

/** The attestation record of (epoch, agreement) once every selected attestor reported (or the epoch moved on). */
export async function settledAttestation(node: FavorNode, epoch: number, agreementId: number, ms = 40_000): Promise<Attestation | null> {
  await waitFor(async () => (await node.epoch()) >= epoch + 1, ms, `epoch ${epoch + 1} on ${node.name}`, 50)
  return getAttestation(node.ledger.kv, epoch, agreementId)
}

/**
 * The first epoch from `from` on in which the agreement was judged: challenged (not a weak epoch) with at
 * least two accepted reports recorded (under load a report can miss its epoch). Bounded to 6 epochs.
 */
export async function firstJudged(node: FavorNode, from: number, agreementId: number, pred: (a: Attestation) => boolean = () => true): Promise<{ epoch: number; att: Attestation }> {
  for (let e = from; e < from + 6; e++) {
    const att = await settledAttestation(node, e, agreementId)
    if (att !== null && accepted(att).length >= 2 && pred(att)) return { epoch: e, att }
  }
  throw new Error(`agreement ${agreementId} was not judged in epochs ${from}..${from + 5}`)
}

export async function agreementOf(node: FavorNode, id: number): Promise<Agreement> {
  const a = await getAgreement(node.ledger.kv, id)
  if (a === null) throw new Error(`no agreement ${id}`)
  return a
}

/** Accepted (not refused) outcomes of an attestation record. */
export function accepted(att: Attestation | null): string[] {
  return (att?.results ?? []).flatMap((r) => (r === null || r.refused !== '' ? [] : [r.outcome]))
}

/** Every attestation of an agreement in epochs [from, to], for a failure message: epoch, fork, length, outcomes and codes. */
export async function attestationHistory(node: FavorNode, agreementId: number, from: number, to: number): Promise<string> {
  const out: string[] = []
  for (let e = from; e <= to; e++) {
    const att = await getAttestation(node.ledger.kv, e, agreementId)
    if (att !== null) out.push(`${e} (fork ${att.fork}, length ${att.length}): ${JSON.stringify(att.results.map((r) => r === null ? null : r.refused !== '' ? `refused ${r.refused}` : `${r.outcome}/${r.code}`))}`)
  }
  return out.join('; ')
}

/**
 * The first settled attestation of `agreementId` from epoch `from` on with at least `min` accepted
 * results, or with one accepted `missing`, within `epochs` epochs. An attestor's report that lands after
 * its epoch ended is refused as late (or never sent): on a loaded machine some epochs are judged by fewer
 * attestors, and the verdict tests look at the first epoch that was judged by enough of them. One proven
 * loss is enough for the contract to fail the agreement, which is then no longer challenged: waiting for
 * a second attestor would wait for an epoch that never comes.
 */
export async function decidedAttestation(node: FavorNode, from: number, agreementId: number, min = 2, epochs = 6): Promise<{ epoch: number; att: Attestation }> {
  const seen: string[] = []
  for (let e = from; e < from + epochs; e++) {
    const att = await settledAttestation(node, e, agreementId, 60_000)
    if (att !== null && (accepted(att).length >= min || accepted(att).includes('missing'))) return { epoch: e, att }
    seen.push(`${e}: ${att === null ? 'not challenged' : JSON.stringify(att.results.map((r) => r === null ? null : r.refused !== '' ? `refused ${r.refused}` : r.outcome))}`)
  }
  throw new Error(`no epoch from ${from} judged agreement ${agreementId} by ${min} attestors within ${epochs} epochs (${seen.join('; ')})`)
}
