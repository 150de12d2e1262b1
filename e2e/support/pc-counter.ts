/**
 * Counts a tab's RTCPeerConnections: an init script wraps the constructor before any page
 * script runs, so `window.pcCount()` tells how many were made and how many are not closed.
 *
 *   await context.addInitScript(countPeerConnections)
 *   await page.evaluate(() => window.pcCount())   // { created: 4, open: 2 }
 */
declare global {
  interface Window {
    pcCount(): { created: number; open: number }
  }
}

export function countPeerConnections(): void {
  const Native = window.RTCPeerConnection
  const live = new Set<RTCPeerConnection>()
  let created = 0
  class Counted extends Native {
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
  window.RTCPeerConnection = Counted
  window.pcCount = () => ({
    created,
    open: [...live].filter((pc) => pc.connectionState !== 'closed').length,
  })
}
