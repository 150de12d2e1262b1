/** Browsers have no file system: `persist: { dir }` is a Node.js option. */
import type { KeyValueStorage } from '../persistence/key-value-storage'

export function createFileStorage(_dir: string): KeyValueStorage {
  throw new Error('persist.dir is only available in Node.js; browsers persist to IndexedDB')
}
