/**
 * The awareness relay's ephemeral payload (the EPHEMERAL frame's bytes, shared/PROTOCOL.md
 * frame 22, whose first byte is the application's kind):
 *
 *   tag 1: u8 1, y-protocols awareness update                       (first version)
 *   tag 2: u8 2, varuint n, n × (varuint clientID, varstring peer id, varuint version),
 *          varuint8array y-protocols awareness update
 *
 * The owners say which mesh peer owns each state and its membership version when it
 * sent it (awareness-relay.ts). Peers read both tags and send tag 2; a peer of the first
 * version ignores tag 2, so it does not see the awareness of newer peers.
 *
 *   const bytes = encodeAwarenessFrame([[clientID, { peer: 'p-1', version: 3 }]], update)
 *   const r = decodeAwarenessFrame(bytes)   // undefined: not awareness; ok false: malformed
 */
import type { PeerId } from '@gossip-mesh/shared'
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'

export const AWARENESS_TAG = 1
export const OWNED_AWARENESS_TAG = 2

/** The mesh peer owning an awareness state, at its membership version (incarnation) then. */
export interface AwarenessOwner {
  readonly peer: PeerId
  readonly version: number
}

export type DecodedAwarenessFrame =
  | { readonly ok: true; readonly owners: [number, AwarenessOwner][]; readonly update: Uint8Array }
  | { readonly ok: false; readonly reason: string }

export function encodeAwarenessFrame(owners: [number, AwarenessOwner][], update: Uint8Array): Uint8Array {
  const e = encoding.createEncoder()
  encoding.writeUint8(e, OWNED_AWARENESS_TAG)
  encoding.writeVarUint(e, owners.length)
  for (const [c, o] of owners) {
    encoding.writeVarUint(e, c)
    encoding.writeVarString(e, o.peer)
    encoding.writeVarUint(e, o.version)
  }
  encoding.writeVarUint8Array(e, update)
  return encoding.toUint8Array(e)
}

/** undefined when the payload is not awareness (another kind byte). Never throws. */
export function decodeAwarenessFrame(bytes: Uint8Array): DecodedAwarenessFrame | undefined {
  if (bytes[0] === AWARENESS_TAG) return { ok: true, owners: [], update: bytes.subarray(1) }
  if (bytes[0] !== OWNED_AWARENESS_TAG) return undefined
  try {
    const d = decoding.createDecoder(bytes.subarray(1))
    const count = decoding.readVarUint(d)
    const owners: [number, AwarenessOwner][] = []
    // Each entry takes 3 bytes at least: a count past what is left is a lie, not a loop to run.
    if (count * 3 > bytes.length) return { ok: false, reason: 'owner count past the end' }
    for (let i = 0; i < count; i++) {
      const c = decoding.readVarUint(d)
      const peer = decoding.readVarString(d) as PeerId
      owners.push([c, { peer, version: decoding.readVarUint(d) }])
    }
    const update = decoding.readVarUint8Array(d)
    if (decoding.hasContent(d)) return { ok: false, reason: 'trailing bytes' }
    return { ok: true, owners, update }
  } catch (err) {
    return { ok: false, reason: err instanceof Error ? err.message : String(err) }
  }
}
