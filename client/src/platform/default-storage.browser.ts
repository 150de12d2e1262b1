/** Browsers persist to IndexedDB by default. */
import { createIdbStorage } from '../persistence/idb-storage'
import type { KeyValueStorage } from '../persistence/key-value-storage'

export const defaultStorageName = 'IndexedDB'

export function defaultStorage(): KeyValueStorage | undefined {
  return createIdbStorage()
}
