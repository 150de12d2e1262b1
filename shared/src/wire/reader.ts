/**
 * Bounds-checked field readers over lib0's decoder. Each read states its own cap, so a
 * hostile length prefix can never make a peer allocate more than the cap allows.
 */
import * as decoding from 'lib0/decoding'
import { isPeerId, MAX_PEER_ID_LENGTH, type PeerId } from '../ids'
import { FrameFormatError } from './decode-error'

export type Decoder = decoding.Decoder

/** Bytes left in the frame: what a fixed-width field or a counted run must fit in. */
export function remaining(dec: Decoder): number {
  return dec.arr.length - dec.pos
}

export function readUint(dec: Decoder): number {
  if (remaining(dec) < 1) throw new FrameFormatError('truncated', 'varuint past end of frame')
  const value = decoding.readVarUint(dec)
  if (!Number.isSafeInteger(value) || value < 0)
    throw new FrameFormatError('malformed', 'varuint out of range')
  return value
}

/** A varuint that must not exceed `max` (a bounded counter such as an incarnation). */
export function readBoundedUint(dec: Decoder, max: number, field: string): number {
  const value = readUint(dec)
  if (value > max) throw new FrameFormatError('malformed', `${field} ${value} above cap ${max}`)
  return value
}

export function readByte(dec: Decoder): number {
  if (remaining(dec) < 1) throw new FrameFormatError('truncated', 'byte past end of frame')
  return decoding.readUint8(dec)
}

/**
 * A length-prefixed byte string. The result is a view into the received frame: a caller
 * that keeps it beyond the frame's handling copies it (`slice()`), or it pins the frame.
 */
export function readBytes(dec: Decoder, maxLength: number, field: string): Uint8Array {
  const length = readUint(dec)
  if (length > maxLength)
    throw new FrameFormatError('oversized', `${field} is ${length} bytes, cap ${maxLength}`)
  if (length > remaining(dec)) throw new FrameFormatError('truncated', `${field} runs past end of frame`)
  return decoding.readUint8Array(dec, length)
}

export function readString(dec: Decoder, maxLength: number, field: string): string {
  const bytes = readBytes(dec, maxLength * 4, field)
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes)
  if (text.length > maxLength) throw new FrameFormatError('oversized', `${field} longer than ${maxLength}`)
  return text
}

/** Bytes allowed in a peer id, by byte value: ids.ts's rule applied to each ASCII character. */
const ID_BYTE = new Uint8Array(128)
for (let b = 0; b < 128; b++) ID_BYTE[b] = isPeerId(String.fromCharCode(b)) ? 1 : 0

/**
 * Ids read lately, by a hash of their bytes (direct-mapped, so bounded: a collision just
 * replaces the entry). Most ids in a frame are ids this peer has read before — members,
 * neighbours, origins — and returning the same string object both skips building it and
 * lets every Map keyed by ids reuse its cached hash. 16,384 entries of ≤ 64 characters.
 */
const INTERN_SLOTS = 1 << 14
const interned: (PeerId | undefined)[] = new Array(INTERN_SLOTS)

export function readPeerId(dec: Decoder, field = 'peer id'): PeerId {
  // Fast path, most fields of most frames: a valid id is ASCII, so its bytes are its
  // characters; checking them here replaces a TextDecoder call and a regex per id.
  const arr = dec.arr
  const start = dec.pos
  const length = arr[start] as number
  const end = start + 1 + length
  if (length > 0 && length <= MAX_PEER_ID_LENGTH && end <= arr.length) {
    let hash = length
    let i = start + 1
    for (; i < end; i++) {
      const b = arr[i] as number
      if (b >= 128 || ID_BYTE[b] === 0) break
      hash = Math.imul(hash ^ b, 0x01000193)
    }
    if (i === end) {
      dec.pos = end
      const slot = (hash ^ (hash >>> 15)) & (INTERN_SLOTS - 1)
      const cached = interned[slot]
      if (cached !== undefined && cached.length === length) {
        let k = 0
        while (k < length && cached.charCodeAt(k) === arr[start + 1 + k]) k++
        if (k === length) return cached
      }
      let id = ''
      for (let j = start + 1; j < end; j++) id += String.fromCharCode(arr[j] as number)
      interned[slot] = id
      return id
    }
  }
  // Anything else (bad bytes, bad length) takes the general path and its exact errors.
  const id = readString(dec, MAX_PEER_ID_LENGTH, field)
  if (!isPeerId(id)) throw new FrameFormatError('malformed', `${field} is not a valid peer id`)
  return id
}

/** A count of list items, capped so a forged count cannot drive a long loop. */
export function readCount(dec: Decoder, max: number, field: string): number {
  const count = readUint(dec)
  if (count > max) throw new FrameFormatError('oversized', `${field} has ${count} items, cap ${max}`)
  return count
}

export function readBool(dec: Decoder): boolean {
  const b = readByte(dec)
  if (b > 1) throw new FrameFormatError('malformed', 'boolean byte is neither 0 nor 1')
  return b === 1
}
