/**
 * A reloaded tab comes back as the same peer: its id is kept in `sessionStorage` (per
 * tab, survives a reload) and claimed with a Web Lock held for the page's life, so a
 * duplicated tab (which copies sessionStorage) does not take the same id and gets a new
 * one instead. Nothing happens where there is no sessionStorage (Node.js).
 *
 *   const claim = await claimResumeId('demo', () => randomId('p-', 10))
 *   claim.id          // the id this tab had before the reload, or a fresh one
 *   claim.release()   // on leave
 */
import { holdLock } from './web-locks'

export interface IdClaim {
  readonly id: string
  release(): void
}

const storageOf = (): Storage | undefined => {
  try {
    return (globalThis as { sessionStorage?: Storage }).sessionStorage
  } catch {
    // Some private modes throw on access.
    return undefined
  }
}

export async function claimResumeId(room: string, fresh: () => string): Promise<IdClaim | undefined> {
  const session = storageOf()
  if (session === undefined) return undefined
  const key = `gm/${room}/id`
  let remembered: string | null = null
  try {
    remembered = session.getItem(key)
  } catch {}
  for (const id of remembered === null ? [fresh()] : [remembered, fresh()]) {
    const lock = await holdLock(`gm/${room}/peer/${id}`)
    if (lock === undefined) continue
    try {
      session.setItem(key, id)
    } catch {}
    return { id, release: () => lock.release() }
  }
  return undefined
}
