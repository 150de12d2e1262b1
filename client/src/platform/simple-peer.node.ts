/**
 * simple-peer for Node.js and tests: the package's CommonJS entry, which takes a WebRTC
 * implementation through its `wrtc` option. Chosen by the `#simple-peer` import in
 * client/package.json; browsers get `simple-peer.browser.ts` instead.
 */
import SimplePeer from 'simple-peer'

export default SimplePeer
