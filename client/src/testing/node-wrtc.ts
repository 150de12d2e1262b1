// Tests load @roamhq/wrtc the way agents do.
export { loadNodeWrtc } from '../platform/node-wrtc'
