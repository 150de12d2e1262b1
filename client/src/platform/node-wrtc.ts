/**
 * WebRTC for Node.js peers: node-datachannel's W3C polyfill (libdatachannel), an optional
 * peer dependency of the client, loaded only when a Node.js peer asks for it.
 *
 *   import { loadNodeWrtc } from '@gossip-mesh/client/node'
 *   const mesh = await joinMesh({ room, signaling, wrtc: loadNodeWrtc() })
 *
 * Why not @roamhq/wrtc 0.10.0 (libwebrtc's bindings, used here before): its native code
 * killed the process running the churn test 3 times (client/README.md has the counts), a
 * crash no JavaScript can catch; node-datachannel ran the same churn without one.
 */
import { createRequire } from 'node:module'
import type NodeDataChannel from 'node-datachannel'
import type NodeDataChannelPolyfill from 'node-datachannel/polyfill'
import { MeshPlatformError } from '../errors'
import type { WrtcImplementation } from '../mesh-options'

type Polyfill = typeof NodeDataChannelPolyfill

export function loadNodeWrtc(): WrtcImplementation {
  let polyfill: Polyfill
  try {
    const require = createRequire(import.meta.url)
    polyfill = require('node-datachannel/polyfill') as Polyfill
    // libdatachannel tears itself down when its last connection closes and starts again
    // with the next one; a connection made during that (a peer whose only link just went)
    // failed its DTLS handshake ("unknown CA") in 5 of 60 back-to-back pairs, and took 1 s
    // in many others. Preloaded, it stays initialised: 0 of 60 failed. Idempotent.
    ;(require('node-datachannel') as typeof NodeDataChannel).preload()
  } catch (err) {
    const missing =
      (err as { code?: unknown }).code === 'MODULE_NOT_FOUND' && String(err).includes('node-datachannel')
    throw new MeshPlatformError(
      missing
        ? 'Node.js peers need node-datachannel: npm install node-datachannel'
        : `node-datachannel did not load (is its prebuilt binary there for this platform?): ${String(err)}`,
    )
  }
  return { ...polyfill, RTCPeerConnection: withPlainDescriptions(polyfill.RTCPeerConnection) }
}

/**
 * simple-peer edits the `sdp` of the offer or answer it is given before applying it; the
 * polyfill returns RTCSessionDescription objects whose `sdp` is read-only, so every
 * negotiation would fail ("Cannot set property sdp"). Plain init objects, as browsers
 * accept everywhere a description is taken, avoid that.
 */
function withPlainDescriptions(Base: Polyfill['RTCPeerConnection']): Polyfill['RTCPeerConnection'] {
  return class extends Base {
    override async createOffer(): Promise<RTCSessionDescriptionInit> {
      const { type, sdp } = await super.createOffer()
      return { type, sdp }
    }
    override async createAnswer(): Promise<RTCSessionDescriptionInit> {
      const { type, sdp } = await super.createAnswer()
      return { type, sdp }
    }
  }
}
