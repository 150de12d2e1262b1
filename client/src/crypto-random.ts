/**
 * Randomness from the platform's CSPRNG, for production shells. Ids and attempt tokens
 * must not be guessable by other peers; the node's choices need no such strength but get
 * it for free.
 *
 *   const random = cryptoRandom()
 *   randomId('p-', 10)   // 'p-0k3j9x2m1q'
 */
import { fromFloatSource, type Random } from '@gossip-mesh/shared'

export function cryptoRandom(): Random {
  const buffer = new Uint32Array(2)
  return fromFloatSource(() => {
    crypto.getRandomValues(buffer)
    // 53 random bits, the precision of a double, as Math.random would give.
    return ((buffer[0] as number) * 2 ** 21 + ((buffer[1] as number) >>> 11)) / 2 ** 53
  })
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz'

/** `prefix` and `length` random base-36 characters. */
export function randomId(prefix: string, length: number): string {
  let out = prefix
  const end = prefix.length + length
  while (out.length < end) {
    // Bytes of 252 and above are skipped: 252 = 7 * 36 keeps every character equally likely.
    for (const b of crypto.getRandomValues(new Uint8Array(length))) {
      if (b < 252 && out.length < end) out += ALPHABET[b % 36]
    }
  }
  return out
}
