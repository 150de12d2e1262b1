/**
 * A directory of files for Node.js agents: one file per key (the key URI-encoded as the
 * file name), written to a temporary name and renamed into place so a value is replaced
 * whole or not at all, and fsync'd so `set` resolving means durable.
 *
 *   const storage = createFileStorage('/var/lib/agent/mesh')
 */
import { mkdir, open, readdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { KeyValueStorage } from './key-value-storage'

const SUFFIX = '.bin'

export function createFileStorage(dir: string): KeyValueStorage {
  let ready: Promise<unknown> | undefined
  const ensureDir = () => {
    ready ??= mkdir(dir, { recursive: true })
    return ready
  }
  const fileOf = (key: string) => join(dir, encodeURIComponent(key) + SUFFIX)
  let temp = 0

  return {
    async get(key) {
      await ensureDir()
      try {
        return new Uint8Array(await readFile(fileOf(key)))
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
        throw err
      }
    },
    async set(key, value) {
      await ensureDir()
      const tmp = join(dir, `.tmp-${process.pid}-${temp++}`)
      const handle = await open(tmp, 'w')
      try {
        await handle.writeFile(value)
        await handle.sync()
      } finally {
        await handle.close()
      }
      await rename(tmp, fileOf(key))
    },
    async del(key) {
      await ensureDir()
      await rm(fileOf(key), { force: true })
    },
    async keys(prefix) {
      await ensureDir()
      const out: string[] = []
      for (const name of await readdir(dir)) {
        if (!name.endsWith(SUFFIX) || name.startsWith('.tmp-')) continue
        let key: string
        try {
          key = decodeURIComponent(name.slice(0, -SUFFIX.length))
        } catch {
          continue
        }
        if (key.startsWith(prefix)) out.push(key)
      }
      return out
    },
  }
}
