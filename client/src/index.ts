// Re-exports only: each concept lives in its own module.

export { createFileStorage } from '#file-storage'
export * from './errors'
export { joinMesh } from './join-mesh'
export type { Member, Mesh, MeshErrorEvent, MeshEventName, MeshEvents, MeshStats } from './mesh'
export {
  DEFAULTS as MESH_DEFAULTS,
  type JoinMeshOptions,
  type MeshNodeOptions,
  type WrtcImplementation,
} from './mesh-options'
export { PERSIST_DEFAULTS, type PersistOptions } from './persistence/doc-persistence'
export { createIdbStorage } from './persistence/idb-storage'
export { createMemoryStorage, type KeyValueStorage } from './persistence/key-value-storage'
export type { RoomStoreStats, StorageErrorCode } from './persistence/room-store'
export type { WebSocketConstructor, WebSocketLike } from './platform/websocket'
export {
  GossipProvider,
  type GossipProviderEvents,
  type GossipProviderOptions,
} from './provider/gossip-provider'
export type { SignalingStats } from './signaling/signaling-client'
export type { PeerLinkStats } from './webrtc/peer-links'
