/**
 * The storage seam of persistence: four asynchronous operations, shaped like idb-keyval,
 * so IndexedDB, a directory of files, a Map or anything else can stand behind it.
 *
 * Promises: `set` resolves once the value is durable (as durable as the backend gets:
 * an IndexedDB transaction committed, a file renamed into place); a value is replaced
 * whole or not at all; `keys(prefix)` lists the keys that start with `prefix`, in no
 * particular order. Operations on different keys may run concurrently, from several
 * tabs or processes: the room store never writes one key from two writers.
 *
 *   const storage = createMemoryStorage()
 *   await storage.set('gm/demo/u/abc/000001', update)
 *   await storage.keys('gm/demo/')   // ['gm/demo/u/abc/000001']
 */
export interface KeyValueStorage {
  get(key: string): Promise<unknown>
  set(key: string, value: Uint8Array): Promise<void>
  del(key: string): Promise<void>
  keys(prefix: string): Promise<string[]>
  /** Optional: read several keys at once (one IndexedDB transaction instead of one each). */
  getMany?(keys: string[]): Promise<unknown[]>
  /** Optional: every key that starts with `prefix` with its value, in one read (start-up uses it). */
  entries?(prefix: string): Promise<Array<[string, unknown]>>
}

/** A Map: state survives a `leave()` and a re-join in the same process, not a restart. */
export function createMemoryStorage(): KeyValueStorage {
  const map = new Map<string, Uint8Array>()
  return {
    get: async (key) => map.get(key),
    set: async (key, value) => {
      map.set(key, value.slice())
    },
    del: async (key) => {
      map.delete(key)
    },
    keys: async (prefix) => [...map.keys()].filter((k) => k.startsWith(prefix)),
    entries: async (prefix) => [...map.entries()].filter(([k]) => k.startsWith(prefix)),
  }
}
