import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { seededRandom } from '../random'
import { createVectorReplica, encodeVectorUpdate } from '../replica/vector-replica'
import type { Frame, SyncDigestFrame } from '../wire/frame'
import { DocumentSync } from './document-sync'
import { emptyStats } from './node-stats'

const b = 'b' as PeerId
const c = 'c' as PeerId
const d = 'd' as PeerId

/** DocumentSync over a vector replica and a fake node: what it sends, drops and reports. */
function setup(active: PeerId[] = [b, c, d], inFlight = false, graftTimeoutMs = 1_000) {
  const replica = createVectorReplica()
  const sent: { to: PeerId; frame: Frame }[] = []
  const dropped: string[] = []
  const synced: PeerId[] = []
  const stats = { ...emptyStats() }
  const sync = new DocumentSync(
    { replica, random: seededRandom(1), antiEntropyIntervalMs: 5_000, graftTimeoutMs },
    stats,
    {
      send: (to, frame) => sent.push({ to, frame }),
      drop: (from, reason) => dropped.push(`${from}:${reason}`),
      apply: (_from, payload) => {
        const r = replica.apply(payload)
        return !r.ok ? 'bad' : r.value.changed ? 'changed' : 'unchanged'
      },
      synced: (peer) => synced.push(peer),
      isActive: (peer) => active.includes(peer),
      activeView: () => [...active],
      inFlight: () => inFlight,
    },
  )
  const digestsTo = () => sent.filter((s) => s.frame.type === 'sync-digest').map((s) => s.to)
  const reply = (): SyncDigestFrame => ({
    type: 'sync-digest',
    digest: createVectorReplica().digest(),
    wantsReply: false,
    routine: false,
  })
  return { replica, sync, sent, dropped, synced, stats, digestsTo, reply }
}

describe('DocumentSync', () => {
  it('a new neighbour gets our digest at once; its answer completes the first exchange, reported once', () => {
    const { sync, synced, digestsTo, reply, dropped } = setup()
    sync.linked(b)
    sync.linked(c)
    expect(digestsTo()).toEqual([b, c])
    sync.onDigest(0, b, reply())
    sync.onDigest(0, c, reply())
    expect(synced).toEqual([b])
    // An answer to no opener of ours (the one opener to c is used up) is dropped, and so
    // is one from a neighbour that is gone since we asked.
    sync.onDigest(0, c, reply())
    sync.linked(d)
    sync.forget(d)
    sync.onDigest(0, d, reply())
    expect(dropped).toEqual(['c:unsolicited', 'd:unsolicited'])
  })

  it('an opener from outside the active view is dropped; one from a neighbour gets the diff and our digest; an unreadable one is dropped', () => {
    const { replica, sync, sent, dropped, reply } = setup([b, d])
    replica.apply(encodeVectorUpdate('a', 1))
    const opener: SyncDigestFrame = { ...reply(), wantsReply: true }
    sync.onDigest(0, c, opener)
    expect(dropped).toEqual(['c:unsolicited'])
    sync.onDigest(0, b, opener)
    expect(sent.map((s) => `${s.to}:${s.frame.type}`)).toEqual(['b:sync-diff', 'b:sync-digest'])
    sync.onDigest(0, d, { ...opener, digest: new Uint8Array([255, 255, 255]) })
    expect(dropped).toEqual(['c:unsolicited', 'd:bad-digest'])
    expect(sent).toHaveLength(2)
  })

  it('a routine opener from a neighbour that lacks only what came in the last 2 × graftTimeoutMs gets no diff; one that lacks older news gets all of it', () => {
    const { replica, sync, sent, stats } = setup()
    replica.apply(encodeVectorUpdate('a', 1))
    sync.tick(0)
    sync.tick(2_000) // the snapshot compared is now 2 s old: it holds a:1
    replica.apply(encodeVectorUpdate('a', 2)) // still on its way to the others by broadcast
    const holding = (...seqs: number[]): SyncDigestFrame => {
      const copy = createVectorReplica()
      for (const seq of seqs) copy.apply(encodeVectorUpdate('a', seq))
      return { type: 'sync-digest', digest: copy.digest(), wantsReply: true, routine: true }
    }
    sync.onDigest(2_500, b, holding(1))
    expect(sent.map((s) => `${s.to}:${s.frame.type}`)).toEqual(['b:sync-digest'])
    expect(stats.diffsInFlight).toBe(1)
    sync.onDigest(2_500, c, holding())
    const diff = sent.find((s) => s.to === c && s.frame.type === 'sync-diff')?.frame
    const copy = createVectorReplica()
    if (diff?.type === 'sync-diff') copy.apply(diff.diff)
    expect([copy.has('a', 1), copy.has('a', 2)]).toEqual([true, true])
  })

  it('every 5 s a routine opener goes to one random neighbour', () => {
    const { sync, sent } = setup()
    sync.start(0)
    expect(sync.nextWakeAt()).toBe(5_000)
    sync.tick(4_999)
    expect(sent).toEqual([])
    sync.tick(5_000)
    expect(sent).toHaveLength(1)
    expect(sent[0]?.frame).toMatchObject({ type: 'sync-digest', wantsReply: true, routine: true })
    expect(sync.nextWakeAt()).toBe(10_000)
  })

  it('news only a diff brought goes on to every neighbour after 2 × graftTimeoutMs; none while a broadcast is in flight, nor for a diff with nothing new', () => {
    const { sync, digestsTo } = setup()
    const diff = (seq: number) => ({ type: 'sync-diff' as const, diff: encodeVectorUpdate('a', seq) })
    sync.onDiff(0, b, diff(1))
    expect(sync.nextWakeAt()).toBe(2_000)
    sync.tick(2_000)
    expect(digestsTo()).toEqual([b, c, d])
    sync.onDiff(2_100, b, diff(1))
    expect(sync.nextWakeAt()).toBe(Number.POSITIVE_INFINITY)

    const busy = setup(undefined, true)
    busy.sync.onDiff(0, b, diff(1))
    expect(busy.sync.nextWakeAt()).toBe(Number.POSITIVE_INFINITY)
  })

  it('pushes at most once a second (it binds when 2 × graftTimeoutMs is shorter)', () => {
    const { sync, digestsTo } = setup(undefined, false, 200)
    const diff = (seq: number) => ({ type: 'sync-diff' as const, diff: encodeVectorUpdate('a', seq) })
    sync.onDiff(0, b, diff(1))
    expect(sync.nextWakeAt()).toBe(400)
    sync.tick(400)
    sync.onDiff(500, b, diff(2))
    expect(sync.nextWakeAt()).toBe(1_400)
    sync.tick(1_400)
    expect(digestsTo()).toEqual([b, c, d, b, c, d])
  })

  it('a pull asks the holders one by one, a second apart or at once when one answers without a diff, until a diff comes', () => {
    const { sync, digestsTo, reply, stats } = setup()
    sync.startPull(0, [c, d])
    sync.tick(0)
    expect(digestsTo()).toEqual([c])
    sync.tick(999)
    expect(digestsTo()).toEqual([c])
    sync.tick(1_000)
    expect(digestsTo()).toEqual([c, d])
    // d answers with its digest and no diff: it had nothing for us (or the diff was lost).
    sync.onDigest(1_100, d, reply())
    expect(digestsTo()).toHaveLength(3)
    const asked = digestsTo()[2] as PeerId
    expect(asked).not.toBe(d)
    sync.onDiff(1_200, asked, { type: 'sync-diff', diff: encodeVectorUpdate('a', 1) })
    expect(sync.nextWakeAt()).toBe(3_200) // no next ask (due at 2,100): only the repair push
    expect(stats.pulls).toBe(3)
  })

  it('a pull ends after five asks without a diff', () => {
    const { sync, digestsTo } = setup()
    sync.startPull(0, [b])
    for (let t = 0; t <= 10_000; t += 1_000) sync.tick(t)
    expect(digestsTo()).toHaveLength(5)
    expect(sync.nextWakeAt()).toBe(Number.POSITIVE_INFINITY)
  })
})
