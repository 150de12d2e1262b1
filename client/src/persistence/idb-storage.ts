/**
 * IndexedDB through idb-keyval: one database `gossip-mesh`, one object store `kv`,
 * shared by every room and tab of the origin. Values are Uint8Arrays (structured clone
 * keeps them as such). `keys(prefix)` reads only the keys of the prefix's range.
 *
 *   const storage = createIdbStorage()
 *   await storage.set('gm/demo/u/abc/000001', update)
 */
import { createStore, del, get, getMany, set, type UseStore } from 'idb-keyval'
import type { KeyValueStorage } from './key-value-storage'

export const IDB_DATABASE = 'gossip-mesh'
export const IDB_STORE = 'kv'

/** Throws when the platform has no IndexedDB; later failures (quota, blocked) reject per call. */
export function createIdbStorage(database = IDB_DATABASE, storeName = IDB_STORE): KeyValueStorage {
  if (typeof indexedDB === 'undefined') throw new Error('IndexedDB is not available')
  const store: UseStore = createStore(database, storeName)
  return {
    get: (key) => get(key, store),
    getMany: (keys) => getMany(keys, store),
    set: (key, value) => set(key, value, store),
    del: (key) => del(key, store),
    entries: (prefix) =>
      store('readonly', (s) => {
        // Keys and values of one range in one transaction: both lists come in key order.
        const range = IDBKeyRange.bound(prefix, `${prefix}\uffff`)
        const keys = s.getAllKeys(range)
        const values = s.getAll(range)
        return new Promise<Array<[string, unknown]>>((resolve, reject) => {
          values.onsuccess = () =>
            resolve(keys.result.map((k, i) => [String(k), values.result[i]] as [string, unknown]))
          values.onerror = () => reject(values.error)
          keys.onerror = () => reject(keys.error)
        })
      }),
    keys: (prefix) =>
      store('readonly', (s) => {
        // '\uffff' sorts after every character a key of ours uses: the range is the prefix.
        const request = s.getAllKeys(IDBKeyRange.bound(prefix, `${prefix}\uffff`))
        return new Promise<string[]>((resolve, reject) => {
          request.onsuccess = () => resolve(request.result.filter((k): k is string => typeof k === 'string'))
          request.onerror = () => reject(request.error)
        })
      }),
  }
}
