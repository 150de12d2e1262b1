/**
 * Rooms shared by several server instances through one Redis (standalone, 6.2 or later).
 *
 * Layout, under the `redisPrefix` (default `gossip-mesh:`):
 *   room:<room>      hash   peer id → id of the instance holding its socket
 *   alive:<inst>     string set with a TTL of `instanceTtlMs`, renewed every third of it
 *   inst:<inst>      channel on which an instance receives frames for its peers
 *
 * Each operation is one Lua script, so it is atomic and costs one round trip, and frames
 * relayed through one connection keep their order. A peer whose instance's `alive` key
 * has expired (the instance crashed) is never offered or relayed to, and its entry is
 * deleted when a script meets it; a clean shutdown deletes its entries at once.
 *
 *   const cluster = await RedisCluster.connect(options, hub)
 *   hub.useCluster(cluster)
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'
import { Redis } from 'ioredis'
import type { Cluster, ClusterHandlers } from './cluster'
import { SignalingServerError } from './errors'
import type { ResolvedOptions } from './options'

// KEYS[1] room hash. ARGV: peer, instance, max, alive prefix, channel prefix, room.
const JOIN = `
local old = redis.call('HGET', KEYS[1], ARGV[1])
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
if old and old ~= ARGV[2] then
  redis.call('PUBLISH', ARGV[5] .. old, 'E\\n' .. ARGV[6] .. '\\n' .. ARGV[1])
end
local max = tonumber(ARGV[3])
local picks = redis.call('HRANDFIELD', KEYS[1], 2 * max + 1, 'WITHVALUES')
local alive = { [ARGV[2]] = true }
local out = {}
for i = 1, #picks, 2 do
  local p, inst = picks[i], picks[i + 1]
  if p ~= ARGV[1] then
    local live = alive[inst]
    if live == nil then
      live = redis.call('EXISTS', ARGV[4] .. inst) == 1
      alive[inst] = live
    end
    if not live then
      redis.call('HDEL', KEYS[1], p)
    elseif #out < max then
      out[#out + 1] = p
    end
  end
end
return out`

// KEYS[1] room hash. ARGV: peer, alive prefix, channel prefix, payload.
const RELAY = `
local inst = redis.call('HGET', KEYS[1], ARGV[1])
if not inst then return 0 end
if redis.call('EXISTS', ARGV[2] .. inst) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[1])
  return 0
end
return redis.call('PUBLISH', ARGV[3] .. inst, ARGV[4])`

// KEYS[1] room hash. ARGV: peer, instance. Only the holder may remove the entry.
const LEAVE = `
if redis.call('HGET', KEYS[1], ARGV[1]) == ARGV[2] then return redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`

interface Scripts {
  gmJoin(key: string, ...args: (string | number)[]): Promise<PeerId[]>
  gmRelay(key: string, ...args: string[]): Promise<number>
  gmLeave(key: string, ...args: string[]): Promise<number>
}

/** How long startup waits for Redis before failing with ERR_REDIS. */
const CONNECT_TIMEOUT_MS = 5000

export class RedisCluster implements Cluster {
  readonly #o: ResolvedOptions
  readonly #redis: Redis & Scripts
  readonly #sub: Redis
  readonly #aliveKey: string
  readonly #alivePrefix: string
  readonly #channelPrefix: string
  #beat: NodeJS.Timeout | undefined
  #closed = false

  private constructor(o: ResolvedOptions, redis: Redis, sub: Redis) {
    this.#o = o
    this.#redis = redis as Redis & Scripts
    this.#sub = sub
    this.#alivePrefix = `${o.redisPrefix}alive:`
    this.#aliveKey = `${this.#alivePrefix}${o.instanceId}`
    this.#channelPrefix = `${o.redisPrefix}inst:`
  }

  /** Connect, announce this instance and subscribe to its channel; fails with ERR_REDIS. */
  static async connect(o: ResolvedOptions, handlers: ClusterHandlers): Promise<RedisCluster> {
    const url = o.redisUrl
    if (url === undefined) throw new SignalingServerError('ERR_BAD_OPTION', 'options.redisUrl is required')
    const common = {
      lazyConnect: true,
      // Fail fast while Redis is away instead of queueing without bound; the hub falls
      // back to this instance's own peers meanwhile.
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      maxRetriesPerRequest: 1,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    }
    const redis = new Redis(url, { ...common, connectionName: `gossip-mesh-${o.instanceId}` })
    const sub = new Redis(url, { ...common, enableOfflineQueue: true })
    const cluster = new RedisCluster(o, redis, sub)
    let lastError = ''
    for (const client of [redis, sub]) {
      client.on('error', (err: Error) => {
        // ioredis retries by itself; log each distinct failure once, not every attempt.
        if (err.message !== lastError)
          o.log('warn', 'redis error', { instance: o.instanceId, error: err.message })
        lastError = err.message
      })
    }
    redis.defineCommand('gmJoin', { numberOfKeys: 1, lua: JOIN })
    redis.defineCommand('gmRelay', { numberOfKeys: 1, lua: RELAY })
    redis.defineCommand('gmLeave', { numberOfKeys: 1, lua: LEAVE })
    sub.on('message', (_channel: string, message: string) => cluster.#onMessage(message, handlers))
    // After an outage our `alive` key may have expired and our entries been swept: put them back.
    redis.on('ready', () => {
      if (lastError !== '') o.log('info', 'redis reconnected', { instance: o.instanceId })
      lastError = ''
      void cluster.#announce(handlers)
    })
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        Promise.all([redis.connect(), sub.connect()]),
        new Promise((_, reject) => {
          timer = setTimeout(
            () => reject(new Error(`no answer within ${CONNECT_TIMEOUT_MS} ms`)),
            CONNECT_TIMEOUT_MS,
          )
        }),
      ])
      await cluster.#renew()
      await sub.subscribe(`${cluster.#channelPrefix}${o.instanceId}`)
    } catch (err) {
      redis.disconnect()
      sub.disconnect()
      throw new SignalingServerError('ERR_REDIS', `cannot use Redis at ${url}: ${(err as Error).message}`, {
        cause: err,
      })
    } finally {
      clearTimeout(timer)
    }
    cluster.#beat = setInterval(() => void cluster.#renew().catch(() => {}), Math.floor(o.instanceTtlMs / 3))
    cluster.#beat.unref()
    return cluster
  }

  get ready(): boolean {
    return this.#redis.status === 'ready' && this.#sub.status === 'ready'
  }

  join(room: RoomId, peer: PeerId, max: number): Promise<PeerId[]> {
    const o = this.#o
    return this.#redis.gmJoin(
      this.#roomKey(room),
      peer,
      o.instanceId,
      max,
      this.#alivePrefix,
      this.#channelPrefix,
      room,
    )
  }

  leave(room: RoomId, peer: PeerId): void {
    if (this.#closed) return
    this.#redis.gmLeave(this.#roomKey(room), peer, this.#o.instanceId).catch(() => {})
  }

  async relay(room: RoomId, to: PeerId, text: string): Promise<boolean> {
    // Ids cannot contain '\n' (see ids.ts), so a newline-separated header is unambiguous.
    const payload = `S\n${room}\n${to}\n${text}`
    const receivers = await this.#redis.gmRelay(
      this.#roomKey(room),
      to,
      this.#alivePrefix,
      this.#channelPrefix,
      payload,
    )
    return receivers > 0
  }

  async close(): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#beat)
    // Leaves queued by the hub go first on the same connection; then others stop offering us.
    await this.#redis.del(this.#aliveKey).catch(() => {})
    this.#closed = true
    await Promise.all([this.#redis.quit().catch(() => {}), this.#sub.quit().catch(() => {})])
  }

  #roomKey(room: RoomId): string {
    return `${this.#o.redisPrefix}room:${room}`
  }

  async #renew(): Promise<void> {
    await this.#redis.set(this.#aliveKey, '1', 'PX', this.#o.instanceTtlMs)
  }

  async #announce(handlers: ClusterHandlers): Promise<void> {
    if (this.#closed) return
    await this.#renew().catch(() => {})
    const pipeline = this.#redis.pipeline()
    for (const [room, peer] of handlers.members())
      pipeline.hset(this.#roomKey(room), peer, this.#o.instanceId)
    await pipeline.exec().catch(() => {})
  }

  #onMessage(message: string, handlers: ClusterHandlers): void {
    const a = message.indexOf('\n')
    const b = message.indexOf('\n', a + 1)
    if (a < 0 || b < 0) return
    const room = message.slice(a + 1, b)
    if (message.startsWith('E\n')) {
      handlers.evict(room, message.slice(b + 1))
      return
    }
    const c = message.indexOf('\n', b + 1)
    if (!message.startsWith('S\n') || c < 0) return
    handlers.deliver(room, message.slice(b + 1, c), message.slice(c + 1))
  }
}
