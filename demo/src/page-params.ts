/**
 * What the demo page reads from its URL:
 *
 *   ?room=demo                 room to join (default `demo`)
 *   &signaling=ws://host:4444  signaling server (default: port 4444 on the page's host,
 *                              `ws://127.0.0.1:4444` for a page served locally)
 *   &peer=alice                this tab's id (default: random)
 *   &probeIntervalMs=500       any numeric option of the node (see NODE_DEFAULTS), so tests
 *                              can shorten failure detection; an unknown parameter is an error
 *
 *   const params = readPageParams(location)
 *   if (params.ok) await joinMesh(params.options)
 */
import type { JoinMeshOptions, MeshNodeOptions } from '@gossip-mesh/client'
import { NODE_DEFAULTS } from '@gossip-mesh/shared'

export const DEFAULT_ROOM = 'demo'
export const DEFAULT_SIGNALING_PORT = 4444

export type PageParams =
  | { readonly ok: true; readonly options: JoinMeshOptions }
  | { readonly ok: false; readonly error: string }

/** Parameters of the page itself; every other one must name a node option. */
const PAGE_KEYS = ['room', 'signaling', 'peer']

/** Node options that are plain numbers, and so can come from a query parameter. */
export const NUMERIC_NODE_OPTIONS = Object.entries(NODE_DEFAULTS)
  .filter(([, value]) => typeof value === 'number')
  .map(([key]) => key)

export function readPageParams(location: Pick<Location, 'search' | 'hostname' | 'protocol'>): PageParams {
  const query = new URLSearchParams(location.search)
  const node: Record<string, number> = {}
  for (const [key, raw] of query) {
    if (PAGE_KEYS.includes(key)) continue
    // A misspelt or retired option would otherwise be ignored in silence.
    if (!NUMERIC_NODE_OPTIONS.includes(key)) {
      return {
        ok: false,
        error: `unknown query parameter ${key}; node options are ${NUMERIC_NODE_OPTIONS.join(', ')}`,
      }
    }
    const value = Number(raw)
    if (raw.trim() === '' || !Number.isFinite(value)) {
      return { ok: false, error: `query parameter ${key} must be a number` }
    }
    node[key] = value
  }
  const peer = query.get('peer')
  return {
    ok: true,
    options: {
      room: query.get('room') || DEFAULT_ROOM,
      signaling: query.get('signaling') || defaultSignaling(location),
      ...(peer ? { id: peer } : {}),
      node: node as MeshNodeOptions,
    },
  }
}

function defaultSignaling(location: Pick<Location, 'hostname' | 'protocol'>): string {
  const local = ['', 'localhost', '127.0.0.1', '[::1]'].includes(location.hostname)
  // "localhost" may resolve to ::1 while the server listens on 127.0.0.1: name the address.
  const host = local ? '127.0.0.1' : location.hostname
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws'
  return `${scheme}://${host}:${DEFAULT_SIGNALING_PORT}`
}
