/**
 * The per-address connection limit: which address a connection counts under, and how
 * many connections each address holds open. Plain data, no IO; server.ts checks it at
 * the HTTP upgrade, before any WebSocket state exists.
 *
 *   const limit = new AddressLimit(64)
 *   const address = clientAddress(socket.remoteAddress, req.headers['x-forwarded-for'], 0)
 *   if (limit.full(address)) refuse429()
 *   else { limit.acquire(address); … on close: limit.release(address) }
 */
import { isIP } from 'node:net'

/**
 * The address a connection counts under. With `trustProxy` = n > 0, the candidates are
 * the socket's peer and then the entries of `X-Forwarded-For` from the right (each proxy
 * appends the address it saw), and the n-th of them is the client as the outermost of
 * our n proxies saw it; with fewer entries, the last one there is. Entries further left
 * were written by the client and are never read. IPv4-mapped IPv6 counts as IPv4, and
 * IPv6 counts by its /64: one host is routinely given a whole /64 and could otherwise
 * take a fresh address for every connection.
 */
export function clientAddress(
  remote: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustProxy: number,
): string {
  let address = remote ?? 'unknown'
  if (trustProxy > 0 && forwardedFor !== undefined) {
    const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
    const i = hops.length - Math.min(trustProxy, hops.length)
    if (hops.length > 0) address = hops[i] as string
  }
  return normalize(address)
}

function normalize(address: string): string {
  const lower = address.toLowerCase()
  if (lower.startsWith('::ffff:') && isIP(lower.slice(7)) === 4) return lower.slice(7)
  return isIP(lower) === 6 ? prefix64(lower) : lower
}

/** `2001:db8:1:2:3:4:5:6` → `2001:db8:1:2::/64`, with `::` expanded first. */
function prefix64(address: string): string {
  const zone = address.indexOf('%')
  const plain = zone < 0 ? address : address.slice(0, zone)
  const [head = '', tail] = plain.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = tail === undefined || tail === '' ? [] : tail.split(':')
  // A dotted IPv4 tail (`::1.2.3.4`) fills two groups.
  const width = (groups: string[]) => groups.reduce((n, g) => n + (g.includes('.') ? 2 : 1), 0)
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array<string>(8 - width(left) - width(right)).fill('0'), ...right]
  return `${groups
    .slice(0, 4)
    .map((g) => Number.parseInt(g, 16).toString(16))
    .join(':')}::/64`
}

/** Open connections per address, at most `max` each; `0` means no limit. */
export class AddressLimit {
  readonly #open = new Map<string, number>()

  constructor(readonly max: number) {}

  /** Whether one more connection from `address` would be over the limit. */
  full(address: string): boolean {
    return this.max > 0 && (this.#open.get(address) ?? 0) >= this.max
  }

  acquire(address: string): void {
    this.#open.set(address, (this.#open.get(address) ?? 0) + 1)
  }

  /** Forget one connection of `address`; an address with none left is dropped, so the map stays small. */
  release(address: string): void {
    const n = this.#open.get(address) ?? 0
    if (n <= 1) this.#open.delete(address)
    else this.#open.set(address, n - 1)
  }

  /** Addresses with at least one open connection. */
  get addresses(): number {
    return this.#open.size
  }

  /** Open connections of `address`. */
  count(address: string): number {
    return this.#open.get(address) ?? 0
  }
}
