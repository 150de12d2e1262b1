import { afterEach, describe, expect, it } from 'vitest'
import { CLOSE_SERVICE_RESTART } from './close-codes'
import { type SignalProcess, startSignalProcess } from './testing/processes'
import { TestClient } from './testing/test-client'

let proc: SignalProcess | undefined
afterEach(async () => {
  await proc?.stop('SIGKILL')
  proc = undefined
})

describe('gossip-mesh-signal', () => {
  it('prints its address, serves, and on SIGTERM tells clients to reconnect and exits 0', async () => {
    proc = await startSignalProcess(['--host', '127.0.0.1', '--max-welcome-peers', '1'])
    expect(proc.url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/)
    let out = ''
    proc.child.stdout?.on('data', (chunk) => {
      out += chunk
    })
    const [a, b, c] = [
      await TestClient.connect(proc.url),
      await TestClient.connect(proc.url),
      await TestClient.connect(proc.url),
    ]
    await a.join('r', 'a')
    await b.join('r', 'b')
    expect((await c.join('r', 'c')).peers).toHaveLength(1)
    const code = await proc.stop('SIGTERM')
    expect(code).toBe(0)
    expect(await a.next('reconnect')).toMatchObject({ type: 'reconnect' })
    expect(await a.closed).toBe(CLOSE_SERVICE_RESTART)
    // Every log line is one JSON object with time, level and msg.
    const logs = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(logs.map((l) => l.msg)).toEqual(
      expect.arrayContaining(['signal received', 'shutting down', 'stopped']),
    )
    for (const l of logs) expect(l).toMatchObject({ time: expect.any(String), level: expect.any(String) })
  })

  it('exits 2 with a message on a bad flag', async () => {
    await expect(startSignalProcess(['--port', 'nope'])).rejects.toThrow('--port must be an integer')
  })
})
