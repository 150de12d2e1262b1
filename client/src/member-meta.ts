/**
 * Member metadata travels as bytes; the client puts JSON in them. Decoding is lenient:
 * a member whose metadata is not JSON (another client, a bug) shows `meta: undefined`.
 *
 *   toMember(view, 'me')   // { id, state, version, since, meta: { name: 'Ada' }, self: false }
 */
import type { MemberView, PeerId } from '@gossip-mesh/shared'
import type { Member } from './mesh'

const decoder = new TextDecoder('utf-8', { fatal: true })

export function decodeMeta(bytes: Uint8Array): unknown {
  if (bytes.length === 0) return undefined
  try {
    return JSON.parse(decoder.decode(bytes))
  } catch {
    return undefined
  }
}

export function toMember(view: MemberView, self: PeerId): Member {
  return {
    id: view.id,
    state: view.state,
    version: view.version,
    since: view.since,
    meta: decodeMeta(view.meta),
    self: view.id === self,
  }
}
