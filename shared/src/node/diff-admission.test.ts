import { describe, expect, it } from 'vitest'
import type { PeerId } from '../ids'
import { DiffAdmission } from './diff-admission'

const b = 'b' as PeerId

describe('DiffAdmission', () => {
  it('a reply earns a diff once per opener we sent, at most 3 remembered; forget closes the door', () => {
    const a = new DiffAdmission(5_000)
    expect(a.takeReply(b)).toBe(false)
    for (let i = 0; i < 5; i++) a.openerSent(b)
    expect([1, 2, 3, 4].map(() => a.takeReply(b))).toEqual([true, true, true, false])
    a.openerSent(b)
    a.forget(b)
    expect(a.takeReply(b)).toBe(false)
  })

  it('openers: 4 empty diffs at once then one per interval; a diff that found something starts the interval and gives its token back', () => {
    const a = new DiffAdmission(5_000)
    expect([1, 2, 3, 4, 5].map(() => a.mayAnswerOpener(0, b))).toEqual([true, true, true, true, false])
    expect(a.mayAnswerOpener(5_000, b)).toBe(true)
    expect(a.mayAnswerOpener(5_000, b)).toBe(false)
    expect(a.mayAnswerOpener(10_000, b)).toBe(true)
    a.diffSent(10_000, b)
    expect(a.mayAnswerOpener(14_999, b)).toBe(false)
    // Refunded at 10 s, refilled one by 15 s: two now.
    expect([
      a.mayAnswerOpener(15_000, b),
      a.mayAnswerOpener(15_000, b),
      a.mayAnswerOpener(15_000, b),
    ]).toEqual([true, true, false])
  })
})
