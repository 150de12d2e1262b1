// Re-exports only: each concept lives in its own module.
export * from './errors'
export { joinMesh } from './join-mesh'
export type { Member, Mesh, MeshErrorEvent, MeshEventName, MeshEvents, MeshStats } from './mesh'
export {
  DEFAULTS as MESH_DEFAULTS,
  type JoinMeshOptions,
  type MeshNodeOptions,
  type WrtcImplementation,
} from './mesh-options'
export type { WebSocketConstructor, WebSocketLike } from './platform/websocket'
export type { SignalingStats } from './signaling/signaling-client'
export type { PeerLinkStats } from './webrtc/peer-links'
