import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { seededRandom, testSeed } from '@gossip-mesh/shared'
import { describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { createFileStorage } from './file-storage'
import { createMemoryStorage, type KeyValueStorage } from './key-value-storage'
import { createRoomStore, type RoomStoreOptions } from './room-store'

const SEED = testSeed()

/** The shared seeded PRNG, so a failing interleaving can be replayed with GM_SEED. */
function prng(seed: number): () => number {
  const random = seededRandom(seed)
  return () => random.next()
}

/** A storage whose every operation yields a random number of times: interleaves writers. */
function jittery(inner: KeyValueStorage, rand: () => number): KeyValueStorage {
  const yieldSome = async () => {
    for (let i = Math.floor(rand() * 4); i > 0; i--) await Promise.resolve()
  }
  return {
    get: async (k) => {
      await yieldSome()
      return inner.get(k)
    },
    set: async (k, v) => {
      await yieldSome()
      return inner.set(k, v)
    },
    del: async (k) => {
      await yieldSome()
      return inner.del(k)
    },
    keys: async (p) => {
      await yieldSome()
      return inner.keys(p)
    },
  }
}

const errorsOf = () => {
  const errors: string[] = []
  return { errors, onError: (code: string, message: string) => errors.push(`${code}: ${message}`) }
}

const store = (storage: KeyValueStorage, extra: Partial<RoomStoreOptions> = {}) => {
  const { errors, onError } = errorsOf()
  return {
    errors,
    store: createRoomStore({
      storage,
      room: 'r',
      session: Math.random().toString(36).slice(2),
      compactAfter: 64,
      onError,
      ...extra,
    }),
  }
}

const docWith = (update: Uint8Array | undefined) => {
  const doc = new Y.Doc()
  if (update !== undefined) Y.applyUpdate(doc, update)
  return doc
}

describe('room store', () => {
  it('restores what was appended, in one merged update', async () => {
    const storage = createMemoryStorage()
    const doc = new Y.Doc()
    const { store: a } = store(storage)
    doc.on('update', (u: Uint8Array) => a.append(u))
    for (let i = 0; i < 10; i++) doc.getMap('m').set(`k${i}`, i)
    await a.flush()
    const { store: b, errors } = store(storage)
    const loaded = await b.load()
    expect(loaded.keys).toBeGreaterThan(0)
    expect(docWith(loaded.update).getMap('m').toJSON()).toEqual(doc.getMap('m').toJSON())
    expect(errors).toEqual([])
  })

  it('reports nothing stored for a new room', async () => {
    const { store: s } = store(createMemoryStorage())
    expect(await s.load()).toEqual({ update: undefined, keys: 0 })
  })

  it(`loses nothing when two writers append and compact at once (seed ${SEED})`, async () => {
    const rand = prng(SEED)
    const storage = jittery(createMemoryStorage(), rand)
    const writers = [0, 1].map(() => {
      const doc = new Y.Doc()
      const s = store(storage, { compactAfter: 3 })
      doc.on('update', (u: Uint8Array) => s.store.append(u))
      return { doc, ...s }
    })
    const work: Promise<void>[] = []
    for (let i = 0; i < 60; i++) {
      const w = writers[i % 2] as (typeof writers)[number]
      w.doc.getMap('m').set(`${i % 2}:${i}`, i)
      if (rand() < 0.3) work.push(w.store.flush())
      if (rand() < 0.2) work.push(w.store.compact())
      if (rand() < 0.5) await Promise.resolve()
    }
    await Promise.all([...work, ...writers.map((w) => w.store.flush())])
    await Promise.all(writers.map((w) => w.store.compact()))
    const { store: reader } = store(storage)
    const restored = docWith((await reader.load()).update)
      .getMap('m')
      .toJSON()
    expect(Object.keys(restored)).toHaveLength(60)
    for (const w of writers) expect(w.errors).toEqual([])
  })

  it('compacts appended keys into one snapshot', async () => {
    const storage = createMemoryStorage()
    const { store: s } = store(storage, { compactAfter: 1_000 })
    const doc = new Y.Doc()
    doc.on('update', (u: Uint8Array) => s.append(u))
    for (let i = 0; i < 5; i++) {
      doc.getMap('m').set(`k${i}`, i)
      await s.flush()
    }
    expect((await storage.keys('gm/r/')).length).toBe(5)
    await s.compact()
    const keys = await storage.keys('gm/r/')
    expect(keys).toHaveLength(1)
    expect(keys[0]).toMatch(/^gm\/r\/s\//)
    expect(s.stats().compactions).toBe(1)
  })

  it('drops a corrupt value, reports it, and keeps the rest', async () => {
    const storage = createMemoryStorage()
    const { store: a } = store(storage)
    const doc = new Y.Doc()
    doc.on('update', (u: Uint8Array) => a.append(u))
    doc.getMap('m').set('ok', 1)
    await a.flush()
    await storage.set('gm/r/u/zzz/00000000', new Uint8Array([1, 2, 3, 250, 250]))
    const { store: b, errors } = store(storage)
    const loaded = await b.load()
    expect(docWith(loaded.update).getMap('m').toJSON()).toEqual({ ok: 1 })
    expect(errors.some((e) => e.startsWith('corrupt'))).toBe(true)
    await b.compact()
    expect(await storage.get('gm/r/u/zzz/00000000')).toBeUndefined()
  })

  it('reports a failing write once, stops writing, and flush rejects', async () => {
    const failing: KeyValueStorage = {
      ...createMemoryStorage(),
      set: async () => {
        throw new Error('QuotaExceededError')
      },
    }
    const { store: s, errors } = store(failing)
    s.append(Y.encodeStateAsUpdate(docWith(undefined)))
    await expect(s.flush()).rejects.toThrow('QuotaExceededError')
    s.append(new Uint8Array([0, 0]))
    await expect(s.flush()).rejects.toThrow()
    expect(errors.filter((e) => e.startsWith('write-failed'))).toHaveLength(1)
    expect(s.failed).toBe(true)
  })

  it('keeps a resume record per peer', async () => {
    const { store: s } = store(createMemoryStorage())
    expect(await s.readResume('p-a')).toBeUndefined()
    await s.writeResume('p-a', { incarnation: 7 })
    expect(await s.readResume('p-a')).toEqual({ incarnation: 7 })
  })

  it('works over a directory of files', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'gm-store-'))
    try {
      const doc = new Y.Doc()
      const { store: a } = store(createFileStorage(dir))
      doc.on('update', (u: Uint8Array) => a.append(u))
      doc.getText('t').insert(0, 'hello')
      await a.flush()
      const { store: b } = store(createFileStorage(dir))
      expect(
        docWith((await b.load()).update)
          .getText('t')
          .toString(),
      ).toBe('hello')
      await b.compact()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
