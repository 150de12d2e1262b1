/**
 * @roamhq/wrtc for Node.js agents and tests (an optional peer dependency of the client). It is CommonJS and assigns its exports in a
 * way Node's ESM named-export detection misses, so it is loaded with `require`.
 *
 *   const mesh = await joinMesh({ room, signaling, wrtc: loadNodeWrtc() })
 */
import { createRequire } from 'node:module'
import type { WrtcImplementation } from '../mesh-options'

export function loadNodeWrtc(): WrtcImplementation {
  return createRequire(import.meta.url)('@roamhq/wrtc') as WrtcImplementation
}
