/**
 * Persistence of one room's Y.Doc: picks the storage, restores what it holds into the
 * document before anything else touches it, then appends every later update (local and
 * remote alike: the persisted view is the whole local view).
 *
 *   const p = await openDocPersistence({ persist: true, room, doc, session, onError })
 *   p?.restored        // true when the room had persisted state
 *   await p?.flush()   // every update so far is durable
 */
import * as Y from 'yjs'
import { defaultStorage } from '#default-storage'
import { createFileStorage } from '#file-storage'
import type { KeyValueStorage } from './key-value-storage'
import { createRoomStore, type RoomStore, type RoomStoreStats, type StorageErrorCode } from './room-store'
import { withLockIfFree } from './web-locks'

export interface PersistOptions {
  /** Where to keep the room. Default: IndexedDB in browsers, nothing (memory only) in Node.js. */
  storage?: KeyValueStorage
  /** Node.js: keep the room in this directory, one file per key. Ignored when `storage` is given. */
  dir?: string
  /** Merge the appended keys into a snapshot once this many were written. Default 64: a reload reads a few dozen small values at most. */
  compactAfter?: number
  /** Give up restoring (and persisting) when storage has not answered by then. Default 5,000 ms: a blocked IndexedDB never answers. */
  loadTimeoutMs?: number
}

export const PERSIST_DEFAULTS = { compactAfter: 64, loadTimeoutMs: 5_000 } as const

/** Transaction origin of state restored from storage; it is not written back. */
export const PERSISTENCE_ORIGIN: unique symbol = Symbol('gossip-mesh/persistence')

export type PersistErrorCode = StorageErrorCode | 'unavailable'

export interface DocPersistence {
  /** The room had persisted state, now in the document. */
  readonly restored: boolean
  readonly store: RoomStore
  flush(): Promise<void>
  /** Stop writing the document's updates (after leave). */
  detach(): void
  stats(): RoomStoreStats & { failed: boolean }
}

export interface OpenPersistenceOptions {
  persist: boolean | PersistOptions
  room: string
  doc: Y.Doc
  session: string
  onError(code: PersistErrorCode, message: string): void
}

/** Undefined when persistence is off or unavailable (reported). */
export async function openDocPersistence(o: OpenPersistenceOptions): Promise<DocPersistence | undefined> {
  if (o.persist === false) return undefined
  const options: PersistOptions = o.persist === true ? {} : o.persist
  let storage: KeyValueStorage | undefined
  try {
    storage =
      options.storage ?? (options.dir !== undefined ? createFileStorage(options.dir) : defaultStorage())
  } catch (err) {
    o.onError('unavailable', `no persistence, the mesh runs in memory: ${(err as Error).message}`)
    return undefined
  }
  if (storage === undefined) return undefined

  const store = createRoomStore({
    storage,
    room: o.room,
    session: o.session,
    compactAfter: options.compactAfter ?? PERSIST_DEFAULTS.compactAfter,
    onError: o.onError,
    withLock: withLockIfFree,
  })
  const hadContent = o.doc.store.clients.size > 0
  const timeoutMs = options.loadTimeoutMs ?? PERSIST_DEFAULTS.loadTimeoutMs
  let timer: ReturnType<typeof setTimeout> | undefined
  const loaded = await Promise.race([
    store.load(),
    new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), timeoutMs)
    }),
  ])
  clearTimeout(timer)
  if (loaded === undefined) {
    o.onError('unavailable', `storage did not answer in ${timeoutMs} ms; the mesh runs in memory`)
    return undefined
  }
  if (loaded.update !== undefined) {
    try {
      Y.applyUpdate(o.doc, loaded.update, PERSISTENCE_ORIGIN)
    } catch (err) {
      o.onError('corrupt', `persisted state could not be applied: ${(err as Error).message}`)
    }
  }

  const onUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin !== PERSISTENCE_ORIGIN) store.append(update)
  }
  o.doc.on('update', onUpdate)
  // A document handed in with content of its own: persist that too.
  if (hadContent) store.append(Y.encodeStateAsUpdate(o.doc))

  return {
    restored: loaded.keys > 0,
    store,
    flush: () => store.flush(),
    detach: () => o.doc.off('update', onUpdate),
    stats: () => ({ ...store.stats(), failed: store.failed }),
  }
}
