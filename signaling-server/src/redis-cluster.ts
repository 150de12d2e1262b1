/**
 * Rooms shared by several server instances through one Redis (standalone, 6.2 or later).
 *
 * Layout, under the `redisPrefix` (default `gossip-mesh:`):
 *   room:<room>        hash    peer id → id of the instance holding its socket
 *   members:<inst>     set     `<room>\n<peer>` of every room entry that instance wrote
 *   alive:<inst>       string  set with a TTL of `instanceTtlMs`, renewed every third of it
 *   instances          set     ids of instances that may have entries
 *   inst:<inst>        channel on which an instance receives frames for its peers
 *
 * Each operation is one Lua script, so it is atomic and costs one round trip, and frames
 * relayed through one connection keep their order. Liveness, and what happens when an
 * instance dies:
 *   - every beat (a third of the TTL) renews `alive:<self>`, and sweeps: for each instance
 *     in `instances` whose `alive` key has expired, it deletes the room entries listed in
 *     its `members` set (those it still holds), then the set. So a crashed instance's
 *     peers are gone from Redis within about 1⅓ × `instanceTtlMs`, sampled or not;
 *     meanwhile scripts already skip peers of an instance whose key has expired.
 *   - a beat that finds its own `alive` key gone (this instance stalled past its TTL, or
 *     Redis restarted empty) may have been swept: it writes its peers back. So does every
 *     reconnect to Redis, which also deletes entries of peers that left while Redis was
 *     away (their leaves failed).
 *   - a clean shutdown deletes its entries and its key at once; an entry whose leave
 *     failed is swept like a crashed instance's.
 *
 *   const cluster = await RedisCluster.connect(options, hub)
 *   hub.useCluster(cluster)
 */
import type { PeerId, RoomId } from '@gossip-mesh/shared/ids'
import { type ChainableCommander, Redis } from 'ioredis'
import type { Cluster, ClusterHandlers } from './cluster'
import { SignalingServerError } from './errors'
import type { ResolvedOptions } from './options'

// Every script takes the key prefix as ARGV[1] and builds the other keys from it, so one
// script serves any prefix (a standalone Redis; Cluster would need every key in KEYS).

// KEYS[1] room hash. ARGV: prefix, peer, instance, max, room.
const JOIN = `
local P, peer, inst, room = ARGV[1], ARGV[2], ARGV[3], ARGV[5]
local entry = room .. '\\n' .. peer
local old = redis.call('HGET', KEYS[1], peer)
redis.call('HSET', KEYS[1], peer, inst)
redis.call('SADD', P .. 'members:' .. inst, entry)
if old and old ~= inst then
  redis.call('SREM', P .. 'members:' .. old, entry)
  redis.call('PUBLISH', P .. 'inst:' .. old, 'E\\n' .. room .. '\\n' .. peer)
end
local max = tonumber(ARGV[4])
local picks = redis.call('HRANDFIELD', KEYS[1], 2 * max + 1, 'WITHVALUES')
local alive = { [inst] = true }
local out = {}
for i = 1, #picks, 2 do
  local p, holder = picks[i], picks[i + 1]
  if p ~= peer then
    local live = alive[holder]
    if live == nil then
      live = redis.call('EXISTS', P .. 'alive:' .. holder) == 1
      alive[holder] = live
    end
    if not live then
      redis.call('HDEL', KEYS[1], p)
    elseif #out < max then
      out[#out + 1] = p
    end
  end
end
return out`

// KEYS[1] room hash. ARGV: prefix, peer, payload.
const RELAY = `
local inst = redis.call('HGET', KEYS[1], ARGV[2])
if not inst then return 0 end
if redis.call('EXISTS', ARGV[1] .. 'alive:' .. inst) == 0 then
  redis.call('HDEL', KEYS[1], ARGV[2])
  return 0
end
return redis.call('PUBLISH', ARGV[1] .. 'inst:' .. inst, ARGV[3])`

// KEYS[1] room hash. ARGV: prefix, peer, instance, room. Only the holder removes the entry.
const LEAVE = `
redis.call('SREM', ARGV[1] .. 'members:' .. ARGV[3], ARGV[4] .. '\\n' .. ARGV[2])
if redis.call('HGET', KEYS[1], ARGV[2]) == ARGV[3] then return redis.call('HDEL', KEYS[1], ARGV[2]) end
return 0`

// KEYS[1] room hash. ARGV: prefix, peer, instance, room. Write an entry back after an
// outage, unless a live instance has taken the id over meanwhile (its claim is newer):
// returns 0 then, and this instance drops its stale socket.
const CLAIM = `
local P, peer, inst = ARGV[1], ARGV[2], ARGV[3]
local holder = redis.call('HGET', KEYS[1], peer)
if holder and holder ~= inst and redis.call('EXISTS', P .. 'alive:' .. holder) == 1 then return 0 end
redis.call('HSET', KEYS[1], peer, inst)
redis.call('SADD', P .. 'members:' .. inst, ARGV[4] .. '\\n' .. peer)
return 1`

// ARGV: prefix, instance, ttl ms. Returns 1 if this instance's key was still there.
const BEAT = `
local was = redis.call('SET', ARGV[1] .. 'alive:' .. ARGV[2], '1', 'PX', ARGV[3], 'GET')
redis.call('SADD', ARGV[1] .. 'instances', ARGV[2])
if was then return 1 end
return 0`

// ARGV: prefix, instance. A clean exit: others stop offering this instance at once. Its
// name stays listed only if a failed leave left an entry behind, for the sweep to delete.
const EXIT = `
redis.call('DEL', ARGV[1] .. 'alive:' .. ARGV[2])
if redis.call('EXISTS', ARGV[1] .. 'members:' .. ARGV[2]) == 0 then
  redis.call('SREM', ARGV[1] .. 'instances', ARGV[2])
end
return 0`

// ARGV: prefix, budget. Delete up to `budget` room entries of instances whose key has
// expired; returns { entries deleted, 1 if there is more to do }. The budget bounds how
// long one call holds Redis, whatever a dead instance held.
const SWEEP = `
local P, budget, swept = ARGV[1], tonumber(ARGV[2]), 0
for _, inst in ipairs(redis.call('SMEMBERS', P .. 'instances')) do
  if redis.call('EXISTS', P .. 'alive:' .. inst) == 0 then
    local set = P .. 'members:' .. inst
    local entries = redis.call('SPOP', set, budget)
    for _, e in ipairs(entries) do
      local nl = string.find(e, '\\n', 1, true)
      local key, peer = P .. 'room:' .. string.sub(e, 1, nl - 1), string.sub(e, nl + 1)
      if redis.call('HGET', key, peer) == inst then
        redis.call('HDEL', key, peer)
        swept = swept + 1
      end
    end
    budget = budget - #entries
    if redis.call('EXISTS', set) == 0 then redis.call('SREM', P .. 'instances', inst) end
    if budget <= 0 then return { swept, 1 } end
  end
end
return { swept, 0 }`

interface Scripts {
  gmJoin(key: string, ...args: (string | number)[]): Promise<PeerId[]>
  gmRelay(key: string, ...args: string[]): Promise<number>
  gmLeave(key: string, ...args: string[]): Promise<number>
  gmClaim(key: string, ...args: string[]): Promise<number>
  gmBeat(...args: (string | number)[]): Promise<number>
  gmSweep(...args: (string | number)[]): Promise<[number, number]>
  gmExit(...args: string[]): Promise<number>
}

/** The scripts queued on a pipeline (ioredis adds defined commands to pipelines too). */
interface PipelineScripts extends ChainableCommander {
  gmLeave(key: string, ...args: string[]): this
  gmClaim(key: string, ...args: string[]): this
}

/** How long startup waits for Redis before failing with ERR_REDIS. */
const CONNECT_TIMEOUT_MS = 5000
/**
 * A command not answered within this fails, so a join falls back to local peers and a
 * cross-instance signal gets an error instead of waiting without end. ioredis drops, not
 * rejects, commands in flight when a connection dies and comes back at once (with
 * autoResendUnfulfilledCommands off), so without a timeout those would hang. Redis
 * answers these scripts in well under a millisecond; 2 s leaves room for a loaded host.
 */
const COMMAND_TIMEOUT_MS = 2000
/** Room entries one sweep call may delete: about a millisecond of Redis time. */
const SWEEP_BUDGET = 1000

export class RedisCluster implements Cluster {
  readonly #o: ResolvedOptions
  readonly #redis: Redis & Scripts
  readonly #sub: Redis
  readonly #handlers: ClusterHandlers
  readonly #prefix: string
  #beat: NodeJS.Timeout | undefined
  #beating = false
  #closed = false

  private constructor(o: ResolvedOptions, redis: Redis, sub: Redis, handlers: ClusterHandlers) {
    this.#o = o
    this.#redis = redis as Redis & Scripts
    this.#sub = sub
    this.#handlers = handlers
    this.#prefix = o.redisPrefix
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
      commandTimeout: COMMAND_TIMEOUT_MS,
      retryStrategy: (attempt: number) => Math.min(attempt * 200, 2000),
    }
    const redis = new Redis(url, { ...common, connectionName: `gossip-mesh-${o.instanceId}` })
    // The subscriber queues its SUBSCRIBE until connected; ioredis resubscribes after a reconnect.
    const sub = new Redis(url, { ...common, enableOfflineQueue: true, commandTimeout: undefined })
    const cluster = new RedisCluster(o, redis, sub, handlers)
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
    redis.defineCommand('gmClaim', { numberOfKeys: 1, lua: CLAIM })
    redis.defineCommand('gmBeat', { numberOfKeys: 0, lua: BEAT })
    redis.defineCommand('gmSweep', { numberOfKeys: 0, lua: SWEEP })
    redis.defineCommand('gmExit', { numberOfKeys: 0, lua: EXIT })
    sub.on('message', (_channel: string, message: string) => cluster.#onMessage(message))
    let connected = false
    // After an outage, entries may be missing (Redis restarted empty, or we were swept) or
    // stale (leaves failed meanwhile): put Redis back in line with what this instance holds.
    redis.on('ready', () => {
      if (!connected) return
      o.log('info', 'redis reconnected', { instance: o.instanceId })
      lastError = ''
      void cluster.#resync()
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
      // Entries left by an earlier process with this instance id are deleted here: it is dead.
      await cluster.#resync(true)
      await sub.subscribe(`${o.redisPrefix}inst:${o.instanceId}`)
    } catch (err) {
      redis.disconnect()
      sub.disconnect()
      throw new SignalingServerError('ERR_REDIS', `cannot use Redis at ${url}: ${(err as Error).message}`, {
        cause: err,
      })
    } finally {
      clearTimeout(timer)
    }
    connected = true
    cluster.#beat = setInterval(() => void cluster.#tick(), Math.floor(o.instanceTtlMs / 3))
    cluster.#beat.unref()
    return cluster
  }

  get ready(): boolean {
    return this.#redis.status === 'ready' && this.#sub.status === 'ready'
  }

  join(room: RoomId, peer: PeerId, max: number): Promise<PeerId[]> {
    return this.#redis.gmJoin(this.#roomKey(room), this.#prefix, peer, this.#o.instanceId, max, room)
  }

  leave(room: RoomId, peer: PeerId): void {
    if (this.#closed) return
    this.#redis.gmLeave(this.#roomKey(room), this.#prefix, peer, this.#o.instanceId, room).catch(() => {})
  }

  async relay(room: RoomId, to: PeerId, text: string): Promise<boolean> {
    // Ids cannot contain '\n' (see ids.ts), so a newline-separated header is unambiguous.
    const payload = `S\n${room}\n${to}\n${text}`
    const receivers = await this.#redis.gmRelay(this.#roomKey(room), this.#prefix, to, payload)
    return receivers > 0
  }

  async close(): Promise<void> {
    if (this.#closed) return
    clearInterval(this.#beat)
    // Leaves queued by the hub go first on the same connection (each deletes its entry
    // and its line in our members set); then others stop offering us.
    await this.#redis.gmExit(this.#prefix, this.#o.instanceId).catch(() => {})
    this.#closed = true
    await Promise.all([this.#redis.quit().catch(() => {}), this.#sub.quit().catch(() => {})])
  }

  #roomKey(room: RoomId): string {
    return `${this.#prefix}room:${room}`
  }

  /** One beat: renew this instance's key (resyncing if it had expired), then sweep dead instances. */
  async #tick(): Promise<void> {
    // A slow Redis must not pile beats up.
    if (this.#beating || this.#closed) return
    this.#beating = true
    try {
      const o = this.#o
      const wasAlive = await this.#redis.gmBeat(this.#prefix, o.instanceId, o.instanceTtlMs)
      if (wasAlive === 0) {
        o.log('warn', 'liveness key had expired; writing peers back', { instance: o.instanceId })
        await this.#resync()
      }
      for (;;) {
        const [swept, more] = await this.#redis.gmSweep(this.#prefix, SWEEP_BUDGET)
        if (swept > 0) o.log('info', 'removed peers of dead instances', { instance: o.instanceId, swept })
        if (more === 0 || this.#closed) break
      }
    } catch {
      // Redis is away: the 'ready' handler resyncs when it is back.
    } finally {
      this.#beating = false
    }
  }

  /**
   * Make Redis say what this instance holds: renew its key, delete its entries for peers
   * it no longer holds, and write back those it does (unless a live instance took one
   * over meanwhile: that socket here is stale and is evicted). `strict` lets errors out.
   */
  async #resync(strict = false): Promise<void> {
    if (this.#closed) return
    const o = this.#o
    const membersKey = `${o.redisPrefix}members:${o.instanceId}`
    try {
      await this.#redis.gmBeat(this.#prefix, o.instanceId, o.instanceTtlMs)
      const held = new Map<string, readonly [RoomId, PeerId]>()
      for (const [room, peer] of this.#handlers.members()) held.set(`${room}\n${peer}`, [room, peer])
      const stored = await this.#redis.smembers(membersKey)
      const pipeline = this.#redis.pipeline() as PipelineScripts
      for (const entry of stored) {
        if (held.has(entry)) continue
        const nl = entry.indexOf('\n')
        const room = entry.slice(0, nl)
        pipeline.gmLeave(this.#roomKey(room), this.#prefix, entry.slice(nl + 1), o.instanceId, room)
      }
      const claims = [...held.values()]
      for (const [room, peer] of claims)
        pipeline.gmClaim(this.#roomKey(room), this.#prefix, peer, o.instanceId, room)
      const results = (await pipeline.exec()) ?? []
      const first = results.length - claims.length
      claims.forEach(([room, peer], i) => {
        if (results[first + i]?.[1] === 0) this.#handlers.evict(room, peer)
      })
    } catch (err) {
      if (strict) throw err
    }
  }

  #onMessage(message: string): void {
    const a = message.indexOf('\n')
    const b = message.indexOf('\n', a + 1)
    if (a < 0 || b < 0) return
    const room = message.slice(a + 1, b)
    if (message.startsWith('E\n')) {
      this.#handlers.evict(room, message.slice(b + 1))
      return
    }
    const c = message.indexOf('\n', b + 1)
    if (!message.startsWith('S\n') || c < 0) return
    this.#handlers.deliver(room, message.slice(b + 1, c), message.slice(c + 1))
  }
}
