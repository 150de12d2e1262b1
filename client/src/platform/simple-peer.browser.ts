/**
 * simple-peer for browsers: the package's own prebuilt bundle. Its CommonJS entry needs
 * Node globals (`global`, `process`, `Buffer`) that bundlers no longer shim; the bundle
 * carries its own, as y-webrtc relies on. Chosen by the `browser` condition of the
 * `#simple-peer` import in client/package.json.
 */
import type SimplePeerType from 'simple-peer'
import SimplePeer from 'simple-peer/simplepeer.min.js'

export default SimplePeer as typeof SimplePeerType
