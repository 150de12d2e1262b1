/**
 * Node.js has no default durable storage: a peer keeps its state in memory unless the
 * caller names a directory (`persist: { dir }`) or a storage (`persist: { storage }`).
 */
import type { KeyValueStorage } from '../persistence/key-value-storage'

export const defaultStorageName = 'none'

export function defaultStorage(): KeyValueStorage | undefined {
  return undefined
}
