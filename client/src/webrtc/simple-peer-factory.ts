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

export function createSimplePeerFactory(options: SimplePeerFactoryOptions): PeerFactory {
  const config: RTCConfiguration = { iceServers: options.iceServers }
  return ({ initiator }) =>
    // simple-peer's declared signal types are wider than the subset we relay (RtcSignal).
    new SimplePeer({
      initiator,
      trickle: true,
      config,
      ...(options.wrtc === undefined ? {} : { wrtc: options.wrtc as SimplePeer.Options['wrtc'] }),
    }) as unknown as PeerLike
}
