/**
 * The persisted view of one room: Yjs updates appended under keys nobody else writes,
 * merged into snapshots in the background, and read back before the network is touched.
 *
 *   gm/<room>/u/<session>/<seq>   an update batch written by one run of one peer
 *   gm/<room>/s/<session>/<seq>   a snapshot: the merge of every key one compaction read
 *   gm/<room>/r/<peer>            what a peer needs to resume (its last incarnation)
 *
 * `/` cannot occur in a room id, so one room's prefix never lists another's keys.
 *
 * Concurrency rule (several tabs, or a tab and a crashed predecessor): a key is written
 * once by the session that names it and never overwritten; compaction deletes only keys
 * whose content it has already written into a new snapshot (or that were already gone,
 * meaning another compaction did the same). So two compactions racing each other or an
 * append lose nothing; at worst both keep overlapping snapshots, which merge
 * idempotently. A Web Lock (`navigator.locks`, where there is one) only saves the
 * duplicate work.
 *
 *   const store = createRoomStore({ storage, room: 'demo', session: 'k3j9x2', onError })
 *   const { update } = await store.load()       // everything persisted, merged
 *   doc.on('update', (u) => store.append(u))
 *   await store.flush()                          // durable
 */
import * as Y from 'yjs'
import type { KeyValueStorage } from './key-value-storage'

export interface RoomStoreOptions {
  storage: KeyValueStorage
  room: string
  /** Unique per run of a peer (random): names the keys this run writes. */
  session: string
  /** Compact once this many keys have been written since the last compaction. */
  compactAfter: number
  /** A storage operation failed or stored data was unreadable; never thrown. */
  onError(code: StorageErrorCode, message: string): void
  /** Run `task` under an exclusive, origin-wide lock, or skip it if another holder has it. */
  withLock?: (name: string, task: () => Promise<void>) => Promise<void>
}

export type StorageErrorCode =
  /** Reading persisted state failed: the peer starts from what it could read. */
  | 'read-failed'
  /** A write failed (quota, blocked, private mode): persistence stops, the mesh runs in memory. */
  | 'write-failed'
  /** A stored value was not a readable Yjs update; dropped. */
  | 'corrupt'
  /** Compaction failed; the appended keys stay, nothing is lost. */
  | 'compact-failed'

export interface RoomStoreStats {
  keysWritten: number
  bytesWritten: number
  compactions: number
  corruptDropped: number
}

export interface LoadResult {
  /** The merge of every readable update and snapshot, or undefined when none is stored. */
  readonly update: Uint8Array | undefined
  /** Keys read (readable or not): 0 means nothing was persisted for this room. */
  readonly keys: number
}

export interface RoomStore {
  load(): Promise<LoadResult>
  /** Queue an update; it is written with the others queued in the same task. */
  append(update: Uint8Array): void
  /** Resolves once everything appended so far is durable; rejects if persistence failed. */
  flush(): Promise<void>
  compact(): Promise<void>
  readResume(peer: string): Promise<{ incarnation: number } | undefined>
  writeResume(peer: string, record: { incarnation: number }): Promise<void>
  /** True after a write failed: nothing more is written. */
  readonly failed: boolean
  stats(): RoomStoreStats
}

/** A load that finds many keys compacts them this long after: once the page has started. */
const COMPACT_AFTER_LOAD_DELAY_MS = 2_000

/** Sequence numbers are zero-padded so keys of one session sort in write order. */
const seqKey = (n: number) => String(n).padStart(8, '0')

export function createRoomStore(options: RoomStoreOptions): RoomStore {
  const { storage, onError } = options
  const prefix = `gm/${options.room}/`
  const stats: RoomStoreStats = { keysWritten: 0, bytesWritten: 0, compactions: 0, corruptDropped: 0 }
  let pending: Uint8Array[] = []
  let scheduled = false
  let tail: Promise<void> = Promise.resolve()
  let failed: Error | undefined
  let seq = 0
  let sinceCompaction = 0
  let compacting: Promise<void> | undefined

  const fail = (err: unknown): void => {
    if (failed !== undefined) return
    failed = err instanceof Error ? err : new Error(String(err))
    pending = []
    onError('write-failed', `persistence stopped, the mesh keeps running in memory: ${failed.message}`)
  }

  const writeBatch = async (): Promise<void> => {
    scheduled = false
    if (failed !== undefined || pending.length === 0) return
    const batch = pending
    pending = []
    const update = batch.length === 1 ? (batch[0] as Uint8Array) : Y.mergeUpdates(batch)
    try {
      await storage.set(`${prefix}u/${options.session}/${seqKey(seq++)}`, update)
    } catch (err) {
      fail(err)
      return
    }
    stats.keysWritten++
    stats.bytesWritten += update.length
    if (++sinceCompaction >= options.compactAfter) void compact()
  }

  const schedule = (): void => {
    if (scheduled) return
    scheduled = true
    // A microtask, not a timer: a tab being closed gets its last edits into a transaction.
    queueMicrotask(() => {
      tail = tail.then(writeBatch)
    })
  }

  /** Read several keys, in one go where the storage can. */
  const readMany = async (keys: string[]): Promise<unknown[]> =>
    storage.getMany !== undefined ? storage.getMany(keys) : Promise.all(keys.map((k) => storage.get(k)))

  /** Validate one stored update; undefined when gone or unreadable (reported). */
  const checkUpdate = (key: string, value: unknown): Uint8Array | undefined => {
    if (value === undefined) return undefined
    if (value instanceof Uint8Array) {
      try {
        Y.decodeUpdate(value)
        return value
      } catch {}
    }
    stats.corruptDropped++
    onError('corrupt', `stored value ${key} is not a Yjs update; dropped`)
    return undefined
  }

  const isUpdateKey = (k: string): boolean => k.startsWith(`${prefix}u/`) || k.startsWith(`${prefix}s/`)
  const listUpdates = async (): Promise<string[]> => (await storage.keys(prefix)).filter(isUpdateKey)
  /** Resume records read by `load` along with the updates, so start-up needs no second read. */
  let resumeRead: Map<string, unknown> | undefined

  async function compactNow(): Promise<void> {
    const keys = await listUpdates()
    if (keys.length < 2) return
    const read = await readMany(keys)
    const values: Uint8Array[] = []
    keys.forEach((key, i) => {
      const value = checkUpdate(key, read[i])
      if (value !== undefined) values.push(value)
    })
    if (values.length > 0) {
      // Written under a new key first: the deletes below are safe only once it is durable.
      await storage.set(`${prefix}s/${options.session}/${seqKey(seq++)}`, Y.mergeUpdates(values))
    }
    await Promise.all(keys.map((key) => storage.del(key)))
    stats.compactions++
  }

  function compact(): Promise<void> {
    if (failed !== undefined) return Promise.resolve()
    sinceCompaction = 0
    compacting ??= (async () => {
      try {
        if (options.withLock === undefined) await compactNow()
        else await options.withLock(`${prefix}compact`, compactNow)
      } catch (err) {
        onError('compact-failed', (err as Error)?.message ?? String(err))
      } finally {
        compacting = undefined
      }
    })()
    return compacting
  }

  return {
    async load() {
      let keys: string[]
      let read: unknown[]
      try {
        if (storage.entries !== undefined) {
          // One read for everything (IndexedDB: one transaction); resume records are kept.
          const all = await storage.entries(prefix)
          const updates = all.filter(([k]) => isUpdateKey(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
          keys = updates.map(([k]) => k)
          read = updates.map(([, v]) => v)
          resumeRead = new Map(all.filter(([k]) => k.startsWith(`${prefix}r/`)))
        } else {
          keys = (await listUpdates()).sort()
          read = await readMany(keys)
        }
      } catch (err) {
        onError('read-failed', (err as Error)?.message ?? String(err))
        return { update: undefined, keys: 0 }
      }
      const values: Uint8Array[] = []
      keys.forEach((key, i) => {
        const value = checkUpdate(key, read[i])
        if (value !== undefined) values.push(value)
      })
      let update: Uint8Array | undefined
      try {
        update = values.length === 0 ? undefined : Y.mergeUpdates(values)
      } catch (err) {
        // Each value decoded on its own; a merge failure means they do not fit together.
        onError('corrupt', `stored updates do not merge: ${(err as Error)?.message ?? String(err)}`)
        update = undefined
      }
      if (keys.length >= options.compactAfter) {
        // Later, not now: its reads and writes would queue ahead of the start-up's own.
        const timer = setTimeout(() => void compact(), COMPACT_AFTER_LOAD_DELAY_MS)
        ;(timer as { unref?: () => void }).unref?.()
      }
      return { update, keys: keys.length }
    },

    append(update) {
      if (failed !== undefined) return
      pending.push(update)
      schedule()
    },

    async flush() {
      if (scheduled || pending.length > 0) {
        scheduled = true
        tail = tail.then(writeBatch)
      }
      await tail
      if (failed !== undefined) throw failed
    },

    compact,

    async readResume(peer) {
      try {
        const key = `${prefix}r/${peer}`
        const value = resumeRead !== undefined ? resumeRead.get(key) : await storage.get(key)
        resumeRead = undefined
        if (!(value instanceof Uint8Array)) return undefined
        const record = JSON.parse(new TextDecoder().decode(value)) as { incarnation?: unknown }
        const n = record.incarnation
        return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? { incarnation: n } : undefined
      } catch {
        return undefined
      }
    },

    writeResume(peer, record) {
      // On the write chain, so flush() covers it too.
      tail = tail.then(async () => {
        if (failed !== undefined) return
        try {
          await storage.set(`${prefix}r/${peer}`, new TextEncoder().encode(JSON.stringify(record)))
        } catch (err) {
          fail(err)
        }
      })
      return tail
    },

    get failed() {
      return failed !== undefined
    },
    stats: () => ({ ...stats }),
  }
}
