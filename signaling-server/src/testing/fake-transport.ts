/**
 * An in-memory Transport for hub tests: it records what the hub sent and lets a test set
 * how much is "queued", with no socket in sight.
 *
 *   const t = new FakeTransport()
 *   const s = hub.open(t, 0)
 *   hub.receive(s, '{"type":"join","room":"r","peer":"a"}', false, 0)
 *   t.frames()   // [{ type: 'welcome', room: 'r', peers: [] }]
 */
import type { ServerFrame } from '@gossip-mesh/shared/signaling/signaling-frame'
import type { Transport } from '../session'

export class FakeTransport implements Transport {
  readonly sent: string[] = []
  closedWith: { code: number; reason: string } | undefined
  terminated = false
  pings = 0
  bufferedAmount = 0

  send(text: string): void {
    this.sent.push(text)
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason }
  }
  ping(): void {
    this.pings++
  }
  terminate(): void {
    this.terminated = true
  }

  /** Parsed frames sent so far, and forget them. */
  frames(): ServerFrame[] {
    return this.sent.splice(0).map((t) => JSON.parse(t) as ServerFrame)
  }
}
