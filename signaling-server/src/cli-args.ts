/**
 * Command-line flags and environment variables of `gossip-mesh-signal`, turned into
 * server options. A flag beats its environment variable, which beats the default.
 *
 *   parseCli(['--port', '4499', '--redis', 'redis://127.0.0.1:6379'], process.env)
 *   // { command: 'serve', options: { port: 4499, redisUrl: 'redis://127.0.0.1:6379' }, logLevel: 'info' }
 */
import { parseArgs } from 'node:util'
import { LOG_LEVELS, type LogLevel } from './json-log'
import type { SignalingServerOptions } from './options'

type Kind = 'int' | 'number' | 'string' | 'list' | 'regexp'

interface Flag {
  readonly flag: string
  readonly env: string
  readonly option: keyof SignalingServerOptions
  readonly kind: Kind
  readonly help: string
}

/** Every server option reachable from the command line. The env prefix keeps names from clashing. */
export const FLAGS: readonly Flag[] = [
  { flag: 'port', env: 'PORT', option: 'port', kind: 'int', help: 'TCP port (0 = any free port)' },
  { flag: 'host', env: 'HOST', option: 'host', kind: 'string', help: 'interface to listen on' },
  {
    flag: 'max-welcome-peers',
    env: 'MAX_WELCOME_PEERS',
    option: 'maxWelcomePeers',
    kind: 'int',
    help: 'peers per welcome',
  },
  {
    flag: 'max-frame-bytes',
    env: 'MAX_FRAME_BYTES',
    option: 'maxFrameBytes',
    kind: 'int',
    help: 'largest frame',
  },
  {
    flag: 'max-rooms',
    env: 'MAX_ROOMS',
    option: 'maxRoomsPerConnection',
    kind: 'int',
    help: 'rooms per connection',
  },
  {
    flag: 'max-connections',
    env: 'MAX_CONNECTIONS',
    option: 'maxConnections',
    kind: 'int',
    help: 'open connections',
  },
  {
    flag: 'max-connections-per-ip',
    env: 'MAX_CONNECTIONS_PER_IP',
    option: 'maxConnectionsPerIp',
    kind: 'int',
    help: 'open connections per client address (0 = off)',
  },
  {
    flag: 'trust-proxy',
    env: 'TRUST_PROXY',
    option: 'trustProxy',
    kind: 'int',
    help: 'proxies in front: read X-Forwarded-For (0 = off)',
  },
  {
    flag: 'rate-limit',
    env: 'RATE_LIMIT',
    option: 'rateLimitPerSecond',
    kind: 'number',
    help: 'frames/s per connection',
  },
  {
    flag: 'rate-burst',
    env: 'RATE_BURST',
    option: 'rateLimitBurst',
    kind: 'int',
    help: 'frame burst per connection',
  },
  {
    flag: 'max-rejected',
    env: 'MAX_REJECTED',
    option: 'maxRejectedBurst',
    kind: 'int',
    help: 'bad frames before 1008',
  },
  {
    flag: 'max-buffered-bytes',
    env: 'MAX_BUFFERED_BYTES',
    option: 'maxBufferedBytes',
    kind: 'int',
    help: 'queue per socket',
  },
  {
    flag: 'heartbeat-ms',
    env: 'HEARTBEAT_MS',
    option: 'heartbeatIntervalMs',
    kind: 'int',
    help: 'ping interval (0 = off)',
  },
  {
    flag: 'shutdown-grace-ms',
    env: 'SHUTDOWN_GRACE_MS',
    option: 'shutdownGraceMs',
    kind: 'int',
    help: 'close wait',
  },
  {
    flag: 'secret',
    env: 'SECRET',
    option: 'secret',
    kind: 'string',
    help: 'room token secret (prefer the env var)',
  },
  {
    flag: 'auth-rooms',
    env: 'AUTH_ROOMS',
    option: 'authRooms',
    kind: 'regexp',
    help: 'rooms needing a token',
  },
  {
    flag: 'allowed-origins',
    env: 'ALLOWED_ORIGINS',
    option: 'allowedOrigins',
    kind: 'list',
    help: 'comma-separated',
  },
  {
    flag: 'redis',
    env: 'REDIS_URL',
    option: 'redisUrl',
    kind: 'string',
    help: 'share rooms through this Redis',
  },
  {
    flag: 'redis-prefix',
    env: 'REDIS_PREFIX',
    option: 'redisPrefix',
    kind: 'string',
    help: 'Redis key prefix',
  },
  {
    flag: 'instance-id',
    env: 'INSTANCE_ID',
    option: 'instanceId',
    kind: 'string',
    help: 'name in Redis and logs',
  },
  {
    flag: 'instance-ttl-ms',
    env: 'INSTANCE_TTL_MS',
    option: 'instanceTtlMs',
    kind: 'int',
    help: 'liveness TTL in Redis',
  },
]

export const ENV_PREFIX = 'GOSSIP_MESH_SIGNAL_'

export type CliCommand =
  | { readonly command: 'serve'; readonly options: SignalingServerOptions; readonly logLevel: LogLevel }
  | { readonly command: 'token'; readonly secret: string; readonly room: string; readonly ttlSeconds: number }
  | { readonly command: 'help'; readonly text: string }

/** Bad flags or values; the CLI prints the message and exits with status 2. */
export class CliUsageError extends Error {
  override readonly name = 'CliUsageError'
  readonly code = 'ERR_USAGE'
}

export function usage(): string {
  const lines = FLAGS.map((f) => `  --${f.flag.padEnd(20)} ${`${ENV_PREFIX}${f.env}`.padEnd(40)} ${f.help}`)
  return [
    'usage: gossip-mesh-signal [flags]                       run a server',
    '       gossip-mesh-signal token --room R [--ttl 3600]   print a room token (needs the secret)',
    '',
    `  --${'flag'.padEnd(20)} ${'environment variable'.padEnd(40)} meaning`,
    ...lines,
    `  --${'log-level'.padEnd(20)} ${`${ENV_PREFIX}LOG_LEVEL`.padEnd(40)} debug | info | warn | error`,
    '',
    'Defaults and limits: signaling-server/README.md.',
    '',
  ].join('\n')
}

function convert(f: Flag, raw: string, source: string): unknown {
  switch (f.kind) {
    case 'string':
      return raw
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
    case 'regexp':
      try {
        return new RegExp(raw)
      } catch {
        throw new CliUsageError(`${source} must be a regular expression, got ${raw}`)
      }
    case 'int':
    case 'number': {
      const n = Number(raw)
      if (raw.trim() === '' || !Number.isFinite(n) || (f.kind === 'int' && !Number.isInteger(n))) {
        throw new CliUsageError(
          `${source} must be ${f.kind === 'int' ? 'an integer' : 'a number'}, got ${raw}`,
        )
      }
      return n
    }
  }
}

export function parseCli(
  argv: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): CliCommand {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = {
    help: { type: 'boolean', short: 'h' },
    'log-level': { type: 'string' },
    room: { type: 'string' },
    ttl: { type: 'string' },
  }
  for (const f of FLAGS) spec[f.flag] = { type: 'string' }
  let parsed: ReturnType<typeof parseArgs>
  try {
    parsed = parseArgs({ args: [...argv], options: spec, allowPositionals: true, strict: true })
  } catch (err) {
    throw new CliUsageError((err as Error).message)
  }
  const values = parsed.values as Record<string, string | boolean | undefined>
  if (values.help === true) return { command: 'help', text: usage() }

  const options: Record<string, unknown> = {}
  for (const f of FLAGS) {
    const fromFlag = values[f.flag]
    const fromEnv = env[`${ENV_PREFIX}${f.env}`]
    if (typeof fromFlag === 'string') options[f.option] = convert(f, fromFlag, `--${f.flag}`)
    else if (fromEnv !== undefined && fromEnv !== '')
      options[f.option] = convert(f, fromEnv, `${ENV_PREFIX}${f.env}`)
  }

  const [command = 'serve', ...rest] = parsed.positionals
  if (rest.length > 0) throw new CliUsageError(`unexpected argument ${rest[0]}`)
  if (command === 'token') {
    const secret = options.secret
    if (typeof secret !== 'string') throw new CliUsageError(`token needs --secret or ${ENV_PREFIX}SECRET`)
    const room = values.room
    if (typeof room !== 'string') throw new CliUsageError('token needs --room')
    const ttl = convert({ ...FLAGS[0], kind: 'int' } as Flag, String(values.ttl ?? '3600'), '--ttl') as number
    if (ttl <= 0) throw new CliUsageError('--ttl must be positive')
    return { command: 'token', secret, room, ttlSeconds: ttl }
  }
  if (command !== 'serve') throw new CliUsageError(`unknown command ${command}`)
  if (values.room !== undefined || values.ttl !== undefined)
    throw new CliUsageError('--room and --ttl belong to token')

  const level = (values['log-level'] as string | undefined) ?? env[`${ENV_PREFIX}LOG_LEVEL`] ?? 'info'
  if (!LOG_LEVELS.includes(level as LogLevel))
    throw new CliUsageError(`--log-level must be one of ${LOG_LEVELS}`)
  return { command: 'serve', options: options as SignalingServerOptions, logLevel: level as LogLevel }
}
