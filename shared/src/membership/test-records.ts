/**
 * Membership records for tests: one builder per state, so a test reads as the news it sends.
 *
 *   swim.merge(0, [alive('p1', 2), suspect('p2', 0, 'p3')])
 */
import type { PeerId } from '../ids'
import type { MemberUpdate } from '../wire/frame'

const EMPTY = new Uint8Array(0)

export const alive = (id: PeerId, incarnation = 1, meta: Uint8Array = EMPTY): MemberUpdate => ({
  id,
  state: 'alive',
  incarnation,
  meta,
  from: '',
})

export const suspect = (id: PeerId, incarnation: number, from: PeerId): MemberUpdate => ({
  id,
  state: 'suspect',
  incarnation,
  meta: EMPTY,
  from,
})
