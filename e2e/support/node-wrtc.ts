/**
 * @roamhq/wrtc for Node.js peers in the tests. It is CommonJS and assigns its exports in
 * a way Node's ESM named-export detection misses, so it is loaded with `require`.
 */

import { createRequire } from 'node:module'
import type { WrtcImplementation } from '@gossip-mesh/client'

export const loadNodeWrtc = (): WrtcImplementation =>
  createRequire(import.meta.url)('@roamhq/wrtc') as WrtcImplementation
