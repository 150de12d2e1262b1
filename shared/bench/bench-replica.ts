/**
 * The benchmark's replica: broadcasts are numbered 1, 2, 3… across the whole run, and a
 * node's copy is "every id up to `contiguous`, plus a few out-of-order extras". It costs
 * a few words per node (10,000 of them fit easily) and reports each id the first time it
 * is applied, which is how the benchmark measures delivery, latency and hops without
 * knowing either protocol's frames.
 *
 *   const r = createBenchReplica((id) => console.log('got', id))
 *   r.apply(encodeBenchUpdate(1, 64))   // logs "got 1"; { ok: true, value: { changed: true } }
 *
 * Wire format (lib0 varuints): update/diff = count, then per item: id, padding length,
 * padding bytes (stands in for a CRDT update of that size). Digest = contiguous, count of
 * extras, extras.
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import type { Replica, ReplicaResult } from '../src/replica/replica'
import { holdsAllSeqs, type SeqDigest } from '../src/replica/seq-digest'

export interface BenchReplica extends Replica {
  has(id: number): boolean
}

/** Padding is all zeros: only its length matters. */
function writeItem(enc: encoding.Encoder, id: number, padding: number): void {
  encoding.writeVarUint(enc, id)
  encoding.writeVarUint(enc, padding)
  encoding.writeUint8Array(enc, new Uint8Array(padding))
}

/** The update a shell would hand the node for broadcast `id`, carrying `padding` bytes of payload. */
export function encodeBenchUpdate(id: number, padding: number): Uint8Array {
  const enc = encoding.createEncoder()
  encoding.writeVarUint(enc, 1)
  writeItem(enc, id, padding)
  return encoding.toUint8Array(enc)
}

/**
 * `onNew(id)` runs once per id, when it first arrives (also for the origin's own apply).
 * `padding` is the payload size put on each id in a diff, like the original update.
 */
export function createBenchReplica(onNew: (id: number) => void, padding = 64): BenchReplica {
  let contiguous = 0
  let extras: Set<number> | undefined

  const has = (id: number): boolean => id <= contiguous || extras?.has(id) === true
  const add = (id: number): boolean => {
    if (has(id)) return false
    if (id === contiguous + 1) {
      contiguous++
      while (extras?.delete(contiguous + 1)) contiguous++
      if (extras?.size === 0) extras = undefined
    } else {
      extras ??= new Set()
      extras.add(id)
    }
    onNew(id)
    return true
  }

  return {
    has,
    digest() {
      const enc = encoding.createEncoder()
      encoding.writeVarUint(enc, contiguous)
      encoding.writeVarUint(enc, extras?.size ?? 0)
      if (extras !== undefined) for (const id of extras) encoding.writeVarUint(enc, id)
      return encoding.toUint8Array(enc)
    },
    diff(remoteDigest): ReplicaResult<Uint8Array | null> {
      const remote = readDigest(remoteDigest)
      if (!remote.ok) return remote
      const { contiguous: theirContiguous, extras: theirExtras } = remote.value
      const missing: number[] = []
      for (let id = theirContiguous + 1; id <= contiguous; id++) if (!theirExtras.has(id)) missing.push(id)
      if (extras !== undefined)
        for (const id of extras) if (id > theirContiguous && !theirExtras.has(id)) missing.push(id)
      if (missing.length === 0) return { ok: true, value: null }
      const enc = encoding.createEncoder()
      encoding.writeVarUint(enc, missing.length)
      for (const id of missing) writeItem(enc, id, padding)
      return { ok: true, value: encoding.toUint8Array(enc) }
    },
    holdsAllOf(remoteDigest, pastDigest): ReplicaResult<boolean> {
      const remote = readDigest(remoteDigest)
      if (!remote.ok) return remote
      const past = readDigest(pastDigest)
      if (!past.ok) return past
      return { ok: true, value: holdsAllSeqs(remote.value, past.value) }
    },
    apply(update): ReplicaResult<{ changed: boolean }> {
      const ids: number[] = []
      try {
        const dec = decoding.createDecoder(update)
        const n = decoding.readVarUint(dec)
        for (let i = 0; i < n; i++) {
          const id = decoding.readVarUint(dec)
          const pad = decoding.readVarUint(dec)
          if (id < 1 || pad > dec.arr.length - dec.pos) return { ok: false, reason: 'bad item' }
          dec.pos += pad
          ids.push(id)
        }
      } catch (err) {
        return { ok: false, reason: `unreadable update: ${(err as Error).message}` }
      }
      let changed = false
      for (const id of ids) changed = add(id) || changed
      return { ok: true, value: { changed } }
    },
  }
}

function readDigest(digest: Uint8Array): ReplicaResult<SeqDigest> {
  const extras = new Set<number>()
  try {
    const dec = decoding.createDecoder(digest)
    const contiguous = decoding.readVarUint(dec)
    const n = decoding.readVarUint(dec)
    if (n > 1_000_000) return { ok: false, reason: 'digest too long' }
    for (let i = 0; i < n; i++) extras.add(decoding.readVarUint(dec))
    return { ok: true, value: { contiguous, extras } }
  } catch (err) {
    return { ok: false, reason: `unreadable digest: ${(err as Error).message}` }
  }
}
