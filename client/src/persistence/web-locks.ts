/**
 * Web Locks (`navigator.locks`), where the platform has them: origin-wide locks shared by
 * every tab and worker. Used to skip duplicate compactions and to let only one tab resume
 * a given peer id. Without them (Node.js 20), locks are always granted: correctness never
 * depends on them (see room-store.ts).
 *
 *   await withLockIfFree('gm/demo/compact', async () => compact())
 */
interface LockManagerLike {
  request<T>(
    name: string,
    options: { ifAvailable: boolean },
    callback: (lock: unknown) => Promise<T> | T,
  ): Promise<T>
}

const locks = (): LockManagerLike | undefined =>
  (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator?.locks

/** Run `task` holding the lock `name`, or skip it when someone else holds it. */
export async function withLockIfFree(name: string, task: () => Promise<void>): Promise<void> {
  const manager = locks()
  if (manager === undefined) return task()
  await manager.request(name, { ifAvailable: true }, async (lock) => {
    if (lock !== null) await task()
  })
}

/**
 * Take the lock `name` and hold it until `release()`; resolves to undefined when another
 * holder has it. Resolves to a no-op release where there are no Web Locks.
 */
export function holdLock(name: string): Promise<{ release(): void } | undefined> {
  const manager = locks()
  if (manager === undefined) return Promise.resolve({ release() {} })
  return new Promise((resolve) => {
    manager
      .request(name, { ifAvailable: true }, (lock) => {
        if (lock === null) {
          resolve(undefined)
          return undefined
        }
        return new Promise<void>((release) => resolve({ release: () => release() }))
      })
      .catch(() => resolve(undefined))
  })
}
