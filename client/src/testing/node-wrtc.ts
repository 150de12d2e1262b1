// Tests load WebRTC (node-datachannel) the way agents do.
export { loadNodeWrtc } from '../platform/node-wrtc'
