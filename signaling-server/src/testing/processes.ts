/**
 * Child processes for tests: a throwaway `redis-server`, and `gossip-mesh-signal` itself,
 * each on a free loopback port and always killed by the caller's cleanup.
 *
 *   const redis = await startRedis()          // fails, not skips, when redis-server is missing
 *   const signal = await startSignalProcess(['--redis', redis.url])
 *   signal.kill('SIGKILL'); await redis.stop()
 */
import { type ChildProcess, spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'

export const REDIS_SERVER = '/usr/bin/redis-server'
const BIN = fileURLToPath(new URL('../../bin/gossip-mesh-signal.js', import.meta.url))

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number }
      srv.close(() => resolve(port))
    })
  })
}

/** Resolve with the first stdout line matching `pattern`, or reject on exit or after `ms`. */
function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  ms: number,
  what: string,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let seen = ''
    const timer = setTimeout(() => done(new Error(`${what} did not start within ${ms} ms:\n${seen}`)), ms)
    const onData = (chunk: Buffer): void => {
      seen += chunk.toString()
      const m = seen.match(pattern)
      if (m) done(undefined, m)
    }
    const onExit = (code: number | null): void =>
      done(new Error(`${what} exited (${code}) before starting:\n${seen}`))
    function done(err?: Error, m?: RegExpMatchArray): void {
      clearTimeout(timer)
      child.stdout?.off('data', onData)
      child.stderr?.off('data', onData)
      child.off('exit', onExit)
      if (err) reject(err)
      else resolve(m as RegExpMatchArray)
    }
    child.stdout?.on('data', onData)
    child.stderr?.on('data', onData)
    child.once('exit', onExit)
  })
}

export interface RedisProcess {
  readonly url: string
  readonly port: number
  /** SIGTERM, and wait for the exit. */
  stop(): Promise<unknown>
  /** SIGKILL, as in a crash: no goodbye to its clients. Resolves once it has exited. */
  kill(): Promise<unknown>
  /** SIGSTOP / SIGCONT: a Redis that keeps its connections open but answers nothing, then again. */
  freeze(): void
  thaw(): void
}

/** Start a redis-server, on `port` if given (e.g. to bring a killed one back where it was). */
export async function startRedis(port?: number): Promise<RedisProcess> {
  if (!existsSync(REDIS_SERVER)) {
    throw new Error(
      `${REDIS_SERVER} is missing: the Redis tests need a real redis-server. Install it with ` +
        '`apt-get install -y redis-server` (.ci/run does this on a fresh machine).',
    )
  }
  const listenPort = port ?? (await freePort())
  const child = spawn(
    REDIS_SERVER,
    [
      '--port',
      String(listenPort),
      '--bind',
      '127.0.0.1',
      '--save',
      '',
      '--appendonly',
      'no',
      '--daemonize',
      'no',
    ],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  )
  await waitForLine(child, /Ready to accept connections/, 10_000, 'redis-server')
  return {
    url: `redis://127.0.0.1:${listenPort}`,
    port: listenPort,
    stop: () => stopChild(child),
    kill: () => stopChild(child, 'SIGKILL'),
    freeze: () => child.kill('SIGSTOP'),
    thaw: () => child.kill('SIGCONT'),
  }
}

export interface SignalProcess {
  readonly url: string
  readonly child: ChildProcess
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export async function startSignalProcess(
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<SignalProcess> {
  const child = spawn(process.execPath, [BIN, '--port', '0', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const m = await waitForLine(child, /listening on (ws:\/\/\S+)/, 20_000, 'gossip-mesh-signal')
  return { url: m[1] as string, child, stop: (signal = 'SIGTERM') => stopChild(child, signal) }
}

function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode)
  return new Promise((resolve) => {
    const force = setTimeout(() => child.kill('SIGKILL'), 5000)
    child.once('exit', (code) => {
      clearTimeout(force)
      resolve(code)
    })
    child.kill(signal)
  })
}
