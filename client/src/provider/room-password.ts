/**
 * What `password` does for a GossipProvider: it separates the room. The room actually
 * joined is the given name plus a key derived from the password (PBKDF2-SHA-256,
 * 100,000 iterations, salted with the room name), so peers without the password never
 * meet this room through signaling, and the signaling server sees only the derived name.
 *
 * It does not encrypt the document end to end as y-webrtc does: the data channels are
 * DTLS-encrypted between peers, and every peer in the room reads everything.
 *
 *   await roomForPassword('notes', 'hunter2')   // 'notes.pw-3f0a…' (32 hex characters)
 */
const ITERATIONS = 100_000

export async function roomForPassword(room: string, password: string): Promise<string> {
  const subtle = globalThis.crypto?.subtle
  if (subtle === undefined) throw new Error('password needs Web Crypto (a secure context in browsers)')
  const encoder = new TextEncoder()
  const material = await subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveBits'])
  const bits = await subtle.deriveBits(
    {
      name: 'PBKDF2',
      hash: 'SHA-256',
      salt: encoder.encode(`gossip-mesh room ${room}`),
      iterations: ITERATIONS,
    },
    material,
    128,
  )
  const hex = [...new Uint8Array(bits)].map((b) => b.toString(16).padStart(2, '0')).join('')
  return `${room}.pw-${hex}`
}
