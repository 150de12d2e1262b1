/**
 * A Yjs document as a Replica.
 *
 * Digest = state vector + SHA-256 of the document's delete set. The state vector alone
 * misses deletions (Yjs deletes do not advance clocks), so two copies that differ only
 * in what they deleted would never repair; the hash catches that without shipping the
 * delete set on every round.
 *
 *   const replica = createYjsReplica(doc)
 *   const diff = replica.diff(peerDigest)      // null when the peer lacks nothing
 *   doc.on('update', (u, origin) => { if (origin !== REMOTE_ORIGIN) node.handle(now, { type: 'local-update', update: u }) })
 */
import * as decoding from 'lib0/decoding'
import * as encoding from 'lib0/encoding'
import { digest as sha256 } from 'lib0/hash/sha256'
import * as Y from 'yjs'
import type { Replica, ReplicaResult } from './replica'

/** Transaction origin of updates that came from the network; shells must not re-broadcast them. */
export const REMOTE_ORIGIN: unique symbol = Symbol('gossip-mesh/remote')

export function createYjsReplica(doc: Y.Doc): Replica {
  const deleteSetHash = (stateVector: Uint8Array): Uint8Array =>
    // An update relative to our own state vector holds no structs, only the delete set.
    sha256(Y.encodeStateAsUpdate(doc, stateVector))

  return {
    digest() {
      const sv = Y.encodeStateVector(doc)
      const enc = encoding.createEncoder()
      encoding.writeVarUint8Array(enc, sv)
      encoding.writeVarUint8Array(enc, deleteSetHash(sv))
      return encoding.toUint8Array(enc)
    },

    diff(remoteDigest): ReplicaResult<Uint8Array | null> {
      const remote = readDigest(remoteDigest)
      if (!remote.ok) return remote
      const localSv = Y.encodeStateVector(doc)
      const { sv, clocks, hash } = remote.value
      if (covers(clocks, Y.decodeStateVector(localSv)) && equalBytes(hash, deleteSetHash(localSv)))
        return { ok: true, value: null }
      return { ok: true, value: Y.encodeStateAsUpdate(doc, sv) }
    },

    holdsAllOf(remoteDigest, pastDigest): ReplicaResult<boolean> {
      const remote = readDigest(remoteDigest)
      if (!remote.ok) return remote
      const past = readDigest(pastDigest)
      if (!past.ok) return past
      // The hash covers the delete set and structs held pending (out of order): equal to
      // the past one, the remote holds both as we did then, and only what came since (in
      // flight) can differ. Any other hash, the remote gets the diff; that includes one
      // that already shares our newer deletions (a diff sent for nothing), and one that
      // lacks a struct we then held pending (not in the past state vector).
      return {
        ok: true,
        value:
          covers(remote.value.clocks, past.value.clocks) && equalBytes(remote.value.hash, past.value.hash),
      }
    },

    apply(update): ReplicaResult<{ changed: boolean }> {
      let changed = false
      const onUpdate = () => {
        changed = true
      }
      doc.on('update', onUpdate)
      try {
        // Parse first: applyUpdate on garbage can throw halfway through a transaction.
        Y.decodeUpdate(update)
        Y.applyUpdate(doc, update, REMOTE_ORIGIN)
        return { ok: true, value: { changed } }
      } catch (err) {
        return { ok: false, reason: `unreadable update: ${(err as Error).message}` }
      } finally {
        doc.off('update', onUpdate)
      }
    },
  }
}

interface YjsDigest {
  sv: Uint8Array
  clocks: Map<number, number>
  hash: Uint8Array
}

function readDigest(digest: Uint8Array): ReplicaResult<YjsDigest> {
  try {
    const dec = decoding.createDecoder(digest)
    const sv = decoding.readVarUint8Array(dec)
    const hash = decoding.readVarUint8Array(dec)
    return { ok: true, value: { sv, hash, clocks: Y.decodeStateVector(sv) } }
  } catch (err) {
    return { ok: false, reason: `unreadable digest: ${(err as Error).message}` }
  }
}

/** Whether every client's clock in `theirs` is at least the one in `ours`. */
function covers(theirs: Map<number, number>, ours: Map<number, number>): boolean {
  for (const [client, clock] of ours) if ((theirs.get(client) ?? 0) < clock) return false
  return true
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}
