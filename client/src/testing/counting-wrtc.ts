/**
 * A WebRTC implementation that counts its peer connections: how many were made, and how
 * many are still not closed. For leak tests: after every peer left, `open()` must be 0.
 *
 *   const wrtc = countingWrtc(loadNodeWrtc())
 *   ... churn ...
 *   expect(wrtc.open()).toBe(0)
 */
import type { WrtcImplementation } from '../mesh-options'

export interface CountingWrtc extends WrtcImplementation {
  created(): number
  /** Connections whose `close()` was never called and whose state is not 'closed'. */
  open(): number
}

export function countingWrtc(inner: WrtcImplementation): CountingWrtc {
  const Base = inner.RTCPeerConnection as typeof RTCPeerConnection
  const live = new Set<RTCPeerConnection>()
  let created = 0
  class Counted extends Base {
    constructor(config?: RTCConfiguration) {
      super(config)
      created++
      live.add(this)
    }
    override close(): void {
      live.delete(this)
      super.close()
    }
  }
  return {
    ...inner,
    RTCPeerConnection: Counted,
    created: () => created,
    open: () => [...live].filter((pc) => pc.connectionState !== 'closed').length,
  }
}
