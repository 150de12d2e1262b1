/**
 * A Node.js script ends when its peers have left: nothing of ours or of simple-peer's
 * keeps the event loop alive after `leave()`.
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createSignalingServer } from '@gossip-mesh/signaling-server'
import { expect, it } from 'vitest'

const SCRIPT = fileURLToPath(new URL('./testing/leave-then-exit.ts', import.meta.url))
/** The client package, whose own devDependency `tsx` runs the script. */
const CLIENT_DIR = fileURLToPath(new URL('..', import.meta.url))

it('lets a Node.js script exit as soon as its peers have left', async () => {
  const server = await createSignalingServer({ host: '127.0.0.1', port: 0 })
  // A script that never exits is the failure looked for: it is killed after 30 s.
  const child = spawn(process.execPath, ['--import', 'tsx', SCRIPT, server.url], {
    cwd: CLIENT_DIR,
    stdio: ['ignore', 'pipe', 'inherit'],
    timeout: 30_000,
  })
  try {
    let out = ''
    child.stdout.on('data', (d) => {
      out += String(d)
    })
    let exitedAt = 0
    child.once('exit', () => {
      exitedAt = Date.now()
    })
    // 'close' comes after 'exit' once stdout is drained, so `out` is whole.
    const code = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject)
      child.once('close', resolve)
    })
    expect(code).toBe(0)
    const leftAt = Number(/left (\d+)/.exec(out)?.[1])
    expect(leftAt).toBeGreaterThan(0)
    // simple-peer's uncleared ICE timer held the process ~4.9 s past this point (5 s from
    // the first candidate); without it the process is gone within ~30-150 ms.
    expect(exitedAt - leftAt).toBeLessThan(1_500)
  } finally {
    child.kill('SIGKILL')
    await server.close()
  }
}, 40_000)
