/**
 * Makes the data-channel-only simple-peer connections `peer-links` asks for.
 *
 * `config.iceServers` is always set: simple-peer's own default lists public STUN
 * servers, and a peer must contact no address the caller did not name.
 *
 *   const createPeer = createSimplePeerFactory({ iceServers: [], wrtc })
 *   const peer = createPeer({ initiator: true })
 */
import SimplePeer from '#simple-peer'
import type { WrtcImplementation } from '../mesh-options'
import type { PeerFactory, PeerLike } from './peer-like'

export interface SimplePeerFactoryOptions {
  iceServers: RTCIceServer[]
  wrtc: WrtcImplementation | undefined
}

/** simple-peer 9.11.1's private timer of ICE gathering (a Node.js Timeout or a browser's id). */
interface IceCompleteTimer {
  _iceCompleteTimer?: ReturnType<typeof setTimeout> | null
}

export function createSimplePeerFactory(options: SimplePeerFactoryOptions): PeerFactory {
  const config: RTCConfiguration = { iceServers: options.iceServers }
  return ({ initiator }) => {
    const peer = new SimplePeer({
      initiator,
      trickle: true,
      config,
      ...(options.wrtc === undefined ? {} : { wrtc: options.wrtc as SimplePeer.Options['wrtc'] }),
    })
    // simple-peer starts a 5 s timer at its first ICE candidate (it only matters without
    // trickle) and clears it nowhere, not even in destroy(): a Node.js agent lived on ~5 s
    // after its last peer closed (webtorrent/webtorrent#1605 saw the same timers).
    peer.once('close', () => {
      const timer = (peer as unknown as IceCompleteTimer)._iceCompleteTimer
      if (timer != null) clearTimeout(timer)
    })
    // simple-peer's declared signal types are wider than the subset we relay (RtcSignal).
    return peer as unknown as PeerLike
  }
}
