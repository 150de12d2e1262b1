/**
 * `holdsAllOf`: does a remote copy hold everything this copy held when it took a past
 * digest? Anti-entropy's routine rounds skip their diff on "yes", so a wrong "yes" would
 * leave a lost update unrepaired until the next snapshot; each replica is checked for both
 * answers, deletions and out-of-order arrivals included.
 */
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createBenchReplica, encodeBenchUpdate } from '../../bench/bench-replica'
import type { Replica } from './replica'
import { createVectorReplica, encodeVectorUpdate } from './vector-replica'
import { createYjsReplica } from './yjs-replica'

const holds = (r: Replica, remote: Uint8Array, past: Uint8Array) => {
  const result = r.holdsAllOf?.(remote, past)
  if (result === undefined || !result.ok) throw new Error(`holdsAllOf failed: ${JSON.stringify(result)}`)
  return result.value
}

describe('Yjs replica', () => {
  /** Two docs in sync on a list of three items; returns them and their replicas. */
  function pair() {
    const ours = new Y.Doc()
    ours.getArray<string>('list').push(['a', 'b', 'c'])
    const theirs = new Y.Doc()
    Y.applyUpdate(theirs, Y.encodeStateAsUpdate(ours))
    return { ours, theirs, r: createYjsReplica(ours), remote: createYjsReplica(theirs) }
  }

  it('a copy that lacks only what came after the snapshot holds all of it', () => {
    const { ours, r, remote } = pair()
    const past = r.digest()
    ours.getArray<string>('list').push(['d'])
    ours.getArray<string>('list').delete(0, 1)
    expect(holds(r, remote.digest(), past)).toBe(true)
    // The full diff would still carry both changes.
    expect(r.diff(remote.digest())).toMatchObject({ ok: true, value: expect.any(Uint8Array) })
  })

  it('a copy that lacks an insert or a deletion from before the snapshot does not', () => {
    const { ours, r, remote } = pair()
    ours.getArray<string>('list').push(['d'])
    expect(holds(r, remote.digest(), r.digest())).toBe(false)

    const second = pair()
    second.ours.getArray<string>('list').delete(0, 1)
    expect(holds(second.r, second.remote.digest(), second.r.digest())).toBe(false)
  })

  it('a copy in sync holds all; one whose deletions differ from ours then gets the diff', () => {
    const { theirs, r, remote } = pair()
    expect(holds(r, remote.digest(), r.digest())).toBe(true)
    theirs.getArray<string>('list').delete(2, 1)
    expect(holds(r, remote.digest(), r.digest())).toBe(false)
  })

  it('a copy that lacks a struct we held pending (out of order) when the snapshot was taken does not', () => {
    const source = new Y.Doc()
    const updates: Uint8Array[] = []
    source.on('update', (u: Uint8Array) => updates.push(u))
    for (const item of ['a', 'b', 'c']) source.getArray<string>('list').push([item])
    const ours = new Y.Doc()
    const theirs = new Y.Doc()
    for (const d of [ours, theirs]) Y.applyUpdate(d, updates[0] as Uint8Array)
    const r = createYjsReplica(ours)
    Y.applyUpdate(ours, updates[2] as Uint8Array) // waits for updates[1]: pending, not in the state vector
    const past = r.digest()
    Y.applyUpdate(ours, updates[1] as Uint8Array) // the gap fills: 'b' is new, 'c' was held then
    expect(ours.getArray('list').toArray()).toEqual(['a', 'b', 'c'])
    expect(holds(r, createYjsReplica(theirs).digest(), past)).toBe(false)
  })

  it('an unreadable remote digest is an error, not an answer', () => {
    const { r } = pair()
    expect(r.holdsAllOf?.(new Uint8Array([0xff, 0xff]), r.digest())).toMatchObject({ ok: false })
  })
})

describe('vector replica', () => {
  it('compares per origin, out-of-order seqs included', () => {
    const ours = createVectorReplica()
    const theirs = createVectorReplica()
    for (const r of [ours, theirs]) for (let s = 1; s <= 3; s++) r.apply(encodeVectorUpdate('w', s))
    ours.apply(encodeVectorUpdate('w', 5)) // out of order
    const past = ours.digest()
    ours.apply(encodeVectorUpdate('w', 4)) // the gap fills: 4 is new, 5 was held then
    ours.apply(encodeVectorUpdate('v', 1))
    expect(holds(ours, theirs.digest(), past)).toBe(false)
    theirs.apply(encodeVectorUpdate('w', 5))
    expect(holds(ours, theirs.digest(), past)).toBe(true)
    expect(holds(ours, createVectorReplica().digest(), past)).toBe(false)
  })
})

describe('bench replica', () => {
  it('checks contiguous ids and extras on both sides', () => {
    const ours = createBenchReplica(() => {})
    const theirs = createBenchReplica(() => {})
    for (const id of [1, 2, 3, 5]) ours.apply(encodeBenchUpdate(id, 0))
    const past = ours.digest()
    ours.apply(encodeBenchUpdate(4, 0))
    for (const id of [1, 3, 5]) theirs.apply(encodeBenchUpdate(id, 0))
    expect(holds(ours, theirs.digest(), past)).toBe(false) // lacks 2
    theirs.apply(encodeBenchUpdate(2, 0))
    expect(holds(ours, theirs.digest(), past)).toBe(true) // lacks only 4, which came later
    const onlyContiguous = createBenchReplica(() => {})
    for (const id of [1, 2, 3]) onlyContiguous.apply(encodeBenchUpdate(id, 0))
    expect(holds(ours, onlyContiguous.digest(), past)).toBe(false) // lacks extra 5
  })
})
