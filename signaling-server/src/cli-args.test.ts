import { describe, expect, it } from 'vitest'
import { CliUsageError, parseCli } from './cli-args'

describe('parseCli', () => {
  it('serves with defaults when given nothing', () => {
    expect(parseCli([], {})).toEqual({ command: 'serve', options: {}, logLevel: 'info' })
  })

  it('reads flags, and environment variables where no flag is given', () => {
    const cli = parseCli(['--port', '4499', '--allowed-origins', 'https://a.example, https://b.example'], {
      GOSSIP_MESH_SIGNAL_PORT: '1',
      GOSSIP_MESH_SIGNAL_REDIS_URL: 'redis://127.0.0.1:6379',
      GOSSIP_MESH_SIGNAL_RATE_LIMIT: '12.5',
      GOSSIP_MESH_SIGNAL_AUTH_ROOMS: '^private-',
      GOSSIP_MESH_SIGNAL_LOG_LEVEL: 'warn',
    })
    expect(cli).toEqual({
      command: 'serve',
      logLevel: 'warn',
      options: {
        port: 4499,
        allowedOrigins: ['https://a.example', 'https://b.example'],
        redisUrl: 'redis://127.0.0.1:6379',
        rateLimitPerSecond: 12.5,
        authRooms: /^private-/,
      },
    })
  })

  it('reads the per-address limit and the trusted proxy count', () => {
    const cli = parseCli(['--max-connections-per-ip', '0'], { GOSSIP_MESH_SIGNAL_TRUST_PROXY: '1' })
    expect(cli).toMatchObject({ options: { maxConnectionsPerIp: 0, trustProxy: 1 } })
  })

  it('mints tokens with the token command', () => {
    expect(parseCli(['token', '--room', 'doc', '--ttl', '60'], { GOSSIP_MESH_SIGNAL_SECRET: 's' })).toEqual({
      command: 'token',
      secret: 's',
      room: 'doc',
      ttlSeconds: 60,
    })
  })

  it.each([
    [['--port', 'abc'], '--port must be an integer'],
    [['--nope'], "Unknown option '--nope'"],
    [['--auth-rooms', '('], 'regular expression'],
    [['token', '--room', 'doc'], 'needs --secret'],
    [['serve', '--room', 'x'], 'belong to token'],
    [['launch'], 'unknown command launch'],
    [['--log-level', 'loud'], '--log-level'],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseCli(argv, {})).toThrow(CliUsageError)
    expect(() => parseCli(argv, {})).toThrow(message)
  })

  it('names the environment variable when its value is bad', () => {
    expect(() => parseCli([], { GOSSIP_MESH_SIGNAL_MAX_ROOMS: '1.5' })).toThrow(
      'GOSSIP_MESH_SIGNAL_MAX_ROOMS',
    )
  })
})
