/**
 * A Node.js script as a user writes one: two peers join through the signaling server at
 * argv[2], link, both leave, and the script ends without `process.exit`. It prints
 * `left <ms since epoch>` once both have left; the test times the process's exit from it.
 *
 *   node --import tsx src/testing/leave-then-exit.ts ws://127.0.0.1:PORT
 */
import { WebSocket } from 'ws'
import { joinMesh } from '../join-mesh'
import { loadNodeWrtc } from '../node'

const signaling = process.argv[2]
if (signaling === undefined) throw new Error('usage: leave-then-exit <signaling url>')
const options = {
  room: 'leave-then-exit',
  signaling,
  wrtc: loadNodeWrtc(),
  WebSocket,
  persist: false,
} as const
const a = await joinMesh({ ...options, id: 'a' })
const b = await joinMesh({ ...options, id: 'b' })
const deadline = Date.now() + 15_000
while (a.neighbors().length === 0 || b.neighbors().length === 0) {
  if (Date.now() > deadline) throw new Error('the two peers did not link within 15 s')
  await new Promise((resolve) => setTimeout(resolve, 20))
}
await Promise.all([a.leave(), b.leave()])
console.log(`left ${Date.now()}`)
