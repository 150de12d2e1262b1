/**
 * Splitting messages into data-channel-sized chunks and joining them back.
 *
 * Browsers interoperate reliably only for data-channel messages up to 16 KiB, while a
 * frame (a whole-document diff for a joiner) can be 8 MiB (the core's `maxFrameBytes`). Each chunk starts with a
 * one-byte kind:
 *
 *   [0] payload                       a whole message
 *   [1] index:u16 count:u16 payload   fragment `index` of `count` (big-endian)
 *
 * The channel is ordered and reliable and a sender writes a message's fragments
 * back to back, so fragments of different messages never interleave: the reassembler
 * holds at most one partial message, bounded by `maxMessageBytes`.
 *
 *   for (const chunk of fragment(bytes, 16 * 1024)) channel.send(chunk)
 *   const r = createReassembler({ maxMessageBytes: 1 << 20 })
 *   const out = r.push(chunk)   // { type: 'message', bytes } once the last fragment is in
 */

const WHOLE = 0
const FRAGMENT = 1
const FRAGMENT_HEADER_BYTES = 5
const MAX_FRAGMENTS = 0xffff

/** Split `message` into chunks of at most `maxChunkBytes` bytes, headers included. */
export function fragment(message: Uint8Array, maxChunkBytes: number): Uint8Array[] {
  if (message.length + 1 <= maxChunkBytes) {
    const chunk = new Uint8Array(message.length + 1)
    chunk[0] = WHOLE
    chunk.set(message, 1)
    return [chunk]
  }
  const payloadBytes = maxChunkBytes - FRAGMENT_HEADER_BYTES
  if (payloadBytes < 1) throw new RangeError(`maxChunkBytes must exceed ${FRAGMENT_HEADER_BYTES}`)
  const count = Math.ceil(message.length / payloadBytes)
  if (count > MAX_FRAGMENTS)
    throw new RangeError(`message of ${message.length} bytes needs over ${MAX_FRAGMENTS} fragments`)
  const chunks: Uint8Array[] = []
  for (let index = 0; index < count; index++) {
    const payload = message.subarray(index * payloadBytes, (index + 1) * payloadBytes)
    const chunk = new Uint8Array(FRAGMENT_HEADER_BYTES + payload.length)
    const view = new DataView(chunk.buffer)
    chunk[0] = FRAGMENT
    view.setUint16(1, index)
    view.setUint16(3, count)
    chunk.set(payload, FRAGMENT_HEADER_BYTES)
    chunks.push(chunk)
  }
  return chunks
}

export type ReassemblyResult =
  /** A complete message. */
  | { readonly type: 'message'; readonly bytes: Uint8Array }
  /** A fragment was stored; more are expected. */
  | { readonly type: 'partial' }
  /** The chunk was malformed, out of sequence or too large; it and any partial message were dropped. */
  | { readonly type: 'error'; readonly reason: ReassemblyErrorReason; readonly detail: string }

export type ReassemblyErrorReason = 'malformed-chunk' | 'out-of-sequence' | 'oversized'

export interface ReassemblerOptions {
  /** Largest reassembled message; a longer one is dropped as `'oversized'`. */
  maxMessageBytes: number
}

export interface Reassembler {
  push(chunk: Uint8Array): ReassemblyResult
  /** Bytes held for the message being reassembled (0 when none). */
  pendingBytes(): number
}

export function createReassembler(options: ReassemblerOptions): Reassembler {
  let parts: Uint8Array[] = []
  let expectedCount = 0
  let held = 0

  const reset = (): void => {
    parts = []
    expectedCount = 0
    held = 0
  }
  const fail = (reason: ReassemblyErrorReason, detail: string): ReassemblyResult => {
    reset()
    return { type: 'error', reason, detail }
  }

  return {
    pendingBytes: () => held,
    push(chunk) {
      if (chunk.length === 0) return fail('malformed-chunk', 'empty chunk')
      if (chunk[0] === WHOLE) {
        if (parts.length > 0) return fail('out-of-sequence', 'whole message inside a fragmented one')
        if (chunk.length - 1 > options.maxMessageBytes)
          return fail('oversized', `message of ${chunk.length - 1} bytes`)
        return { type: 'message', bytes: chunk.slice(1) }
      }
      if (chunk[0] !== FRAGMENT || chunk.length <= FRAGMENT_HEADER_BYTES) {
        return fail('malformed-chunk', `chunk kind ${chunk[0]} of ${chunk.length} bytes`)
      }
      const view = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength)
      const index = view.getUint16(1)
      const count = view.getUint16(3)
      if (count < 2 || index >= count) return fail('malformed-chunk', `fragment ${index} of ${count}`)
      if (index !== parts.length || (index > 0 && count !== expectedCount)) {
        return fail(
          'out-of-sequence',
          `fragment ${index} of ${count}, expected ${parts.length} of ${expectedCount}`,
        )
      }
      const payload = chunk.subarray(FRAGMENT_HEADER_BYTES)
      if (held + payload.length > options.maxMessageBytes) {
        return fail('oversized', `message over ${options.maxMessageBytes} bytes`)
      }
      expectedCount = count
      // Copy: the chunk's buffer may be reused by the channel implementation.
      parts.push(payload.slice())
      held += payload.length
      if (parts.length < count) return { type: 'partial' }
      const bytes = new Uint8Array(held)
      let offset = 0
      for (const part of parts) {
        bytes.set(part, offset)
        offset += part.length
      }
      reset()
      return { type: 'message', bytes }
    },
  }
}
