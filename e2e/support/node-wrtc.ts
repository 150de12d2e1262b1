// Node.js peers in the tests load WebRTC the way agents do.
export { loadNodeWrtc } from '@gossip-mesh/client/node'
