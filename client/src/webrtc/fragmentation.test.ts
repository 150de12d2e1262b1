import { describe, expect, it } from 'vitest'
import { createReassembler, fragment } from './fragmentation'

function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n)
  for (let i = 0; i < n; i++) out[i] = (i * 31 + seed) & 0xff
  return out
}

describe('fragment / reassemble', () => {
  it.each([0, 1, 99, 100, 101, 1000, 16 * 1024, 1 << 20])('round-trips a %i-byte message', (n) => {
    const message = bytes(n)
    const chunks = fragment(message, n > 1000 ? 16 * 1024 : 100)
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(n > 1000 ? 16 * 1024 : 100)
    const r = createReassembler({ maxMessageBytes: 1 << 20 })
    const results = chunks.map((c) => r.push(c))
    expect(results.slice(0, -1).every((x) => x.type === 'partial')).toBe(true)
    const last = results.at(-1)
    expect(last?.type).toBe('message')
    // Compared as one string: toEqual over a 1 MiB array takes seconds.
    if (last?.type === 'message') expect(Buffer.from(last.bytes).equals(Buffer.from(message))).toBe(true)
    expect(r.pendingBytes()).toBe(0)
  })

  it('sends a message that fits as one chunk', () => {
    expect(fragment(bytes(99), 100)).toHaveLength(1)
    expect(fragment(bytes(100), 100)).toHaveLength(2)
  })

  it('drops a message over the cap and recovers for the next one', () => {
    const r = createReassembler({ maxMessageBytes: 150 })
    const chunks = fragment(bytes(300), 100)
    expect(r.push(chunks[0] as Uint8Array).type).toBe('partial')
    expect(r.push(chunks[1] as Uint8Array)).toMatchObject({ type: 'error', reason: 'oversized' })
    expect(r.pendingBytes()).toBe(0)
    // The rest of the dropped message is out of sequence and dropped too.
    expect(r.push(chunks[2] as Uint8Array)).toMatchObject({ type: 'error', reason: 'out-of-sequence' })
    const next = bytes(120, 7)
    const out = fragment(next, 100).map((c) => r.push(c))
    expect(out.at(-1)).toEqual({ type: 'message', bytes: next })
  })

  it('rejects a whole message over the cap', () => {
    const r = createReassembler({ maxMessageBytes: 10 })
    expect(r.push(fragment(bytes(11), 100)[0] as Uint8Array)).toMatchObject({
      type: 'error',
      reason: 'oversized',
    })
  })

  it('rejects malformed and out-of-sequence chunks without throwing', () => {
    const r = createReassembler({ maxMessageBytes: 1000 })
    expect(r.push(new Uint8Array())).toMatchObject({ reason: 'malformed-chunk' })
    expect(r.push(Uint8Array.of(9, 1, 2))).toMatchObject({ reason: 'malformed-chunk' })
    expect(r.push(Uint8Array.of(1, 0, 0, 0))).toMatchObject({ reason: 'malformed-chunk' })
    expect(r.push(Uint8Array.of(1, 0, 5, 0, 3, 42))).toMatchObject({ reason: 'malformed-chunk' })
    expect(r.push(Uint8Array.of(1, 0, 1, 0, 3, 42))).toMatchObject({ reason: 'out-of-sequence' })
    const [first, second] = fragment(bytes(150), 100) as [Uint8Array, Uint8Array]
    r.push(first)
    expect(r.push(first)).toMatchObject({ reason: 'out-of-sequence' })
    expect(r.push(second)).toMatchObject({ reason: 'out-of-sequence' })
  })

  it('survives random garbage', () => {
    const r = createReassembler({ maxMessageBytes: 4096 })
    let seed = 12345
    const next = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff
      return seed
    }
    for (let i = 0; i < 2000; i++) {
      const chunk = new Uint8Array(next() % 64)
      for (let j = 0; j < chunk.length; j++) chunk[j] = next() & 0xff
      if (chunk.length > 0) chunk[0] = next() % 3
      expect(() => r.push(chunk)).not.toThrow()
      expect(r.pendingBytes()).toBeLessThanOrEqual(4096)
    }
  })
})
