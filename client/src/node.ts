// Node.js-only entry (`@gossip-mesh/client/node`): kept out of the main entry so that
// browser bundles never see `node:module`.
export { loadNodeWrtc } from './platform/node-wrtc'
