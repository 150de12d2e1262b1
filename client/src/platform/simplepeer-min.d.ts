// The browser bundle exports the same class as the package's main entry.
declare module 'simple-peer/simplepeer.min.js' {
  import SimplePeer from 'simple-peer'
  export default SimplePeer
}
