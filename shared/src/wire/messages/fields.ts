/**
 * Field codecs shared by several frames: message ids, peer-id lists and membership
 * updates. Paired writeX/readX; every read is capped by WireLimits.
 */
import * as encoding from 'lib0/encoding'
import { FrameFormatError } from '../decode-error'
import { type MemberState, MemberStateCode, type MemberUpdate, type MessageId } from '../frame'
import { MAX_INCARNATION, type WireLimits } from '../limits'
import {
  type Decoder,
  readBoundedUint,
  readByte,
  readBytes,
  readCount,
  readPeerId,
  readUint,
} from '../reader'

const STATE_BY_CODE = Object.keys(MemberStateCode) as MemberState[]
const EMPTY = new Uint8Array(0)

/**
 * A peer id, as `writeVarString` writes it. Ids are short ASCII (ids.ts), written byte by
 * byte: faster than a UTF-8 encoder call for a handful of characters, and ids are in
 * almost every frame. Anything else goes through the encoder.
 */
export function writePeerId(enc: encoding.Encoder, id: string): void {
  const n = id.length
  if (n < 128) {
    let ascii = true
    for (let i = 0; i < n; i++) if (id.charCodeAt(i) >= 128) ascii = false
    if (ascii) {
      encoding.verifyLen(enc, n + 1)
      const buf = enc.cbuf
      let pos = enc.cpos
      buf[pos++] = n
      for (let i = 0; i < n; i++) buf[pos++] = id.charCodeAt(i)
      enc.cpos = pos
      return
    }
  }
  encoding.writeVarString(enc, id)
}

export function writeMessageId(enc: encoding.Encoder, id: MessageId): void {
  writePeerId(enc, id.origin)
  encoding.writeVarUint(enc, id.session)
  encoding.writeVarUint(enc, id.seq)
}

export function readMessageId(dec: Decoder): MessageId {
  const origin = readPeerId(dec, 'origin')
  const session = readUint(dec)
  const seq = readUint(dec)
  return { origin, session, seq }
}

export function writePeerIds(enc: encoding.Encoder, ids: readonly string[]): void {
  encoding.writeVarUint(enc, ids.length)
  for (const id of ids) writePeerId(enc, id)
}

export function readPeerIds(dec: Decoder, max: number, field: string): string[] {
  const count = readCount(dec, max, field)
  const out: string[] = []
  for (let i = 0; i < count; i++) out.push(readPeerId(dec, field))
  return out
}

/**
 * A membership update: [id][state u8][incarnation] then, by state, [meta] (alive),
 * [accuser id] (suspect, dead) or nothing (left).
 */
export function writeMemberUpdate(enc: encoding.Encoder, u: MemberUpdate): void {
  writePeerId(enc, u.id)
  encoding.writeUint8(enc, MemberStateCode[u.state])
  encoding.writeVarUint(enc, u.incarnation)
  if (u.state === 'alive') {
    if (u.meta.length === 0) encoding.writeUint8(enc, 0)
    else encoding.writeVarUint8Array(enc, u.meta)
  } else if (u.state === 'suspect' || u.state === 'dead') writePeerId(enc, u.from)
}

export function readMemberUpdate(dec: Decoder, limits: WireLimits): MemberUpdate {
  const id = readPeerId(dec, 'member id')
  const state = STATE_BY_CODE[readByte(dec)]
  if (state === undefined) throw new FrameFormatError('malformed', 'unknown member state')
  const incarnation = readBoundedUint(dec, MAX_INCARNATION, 'incarnation')
  let meta: Uint8Array = EMPTY
  let from = ''
  if (state === 'alive') {
    // No view for no metadata (a varuint 0): a view costs an allocation, on every record.
    if (dec.arr[dec.pos] === 0) dec.pos++
    else meta = readBytes(dec, limits.maxMetaBytes, 'member meta')
  } else if (state === 'suspect' || state === 'dead') from = readPeerId(dec, 'accuser')
  return { id, state, incarnation, meta, from }
}

export function writeMemberUpdates(enc: encoding.Encoder, updates: readonly MemberUpdate[]): void {
  encoding.writeVarUint(enc, updates.length)
  for (const u of updates) writeMemberUpdate(enc, u)
}

export function readMemberUpdates(dec: Decoder, limits: WireLimits): MemberUpdate[] {
  const count = readCount(dec, limits.maxListItems, 'members')
  const out: MemberUpdate[] = []
  for (let i = 0; i < count; i++) out.push(readMemberUpdate(dec, limits))
  return out
}

/** Bytes a membership update takes on the wire, close enough for piggyback budgets. */
export function memberUpdateSize(u: MemberUpdate): number {
  return u.id.length + 8 + (u.state === 'alive' ? u.meta.length + 2 : u.from.length + 1)
}
