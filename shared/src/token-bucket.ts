/**
 * A token bucket over caller-supplied time: the signaling server's rate limiter for frames
 * per connection and its strike counter that decides when a misbehaving socket is closed,
 * and the signal relay's flood budget per neighbour (node/signal-relay.ts).
 *
 * No timers and no clock inside: the caller passes `now` (ms), so a test drives it with
 * plain numbers and a thousand idle sockets cost nothing between frames.
 *
 *   const bucket = createBucket(100, now)         // starts full
 *   takeToken(bucket, 100, 50, now)               // true while tokens last, 50 refill per second
 */

export interface Bucket {
  tokens: number
  /** When `tokens` was last brought up to date, in ms. */
  updatedAt: number
}

export function createBucket(capacity: number, now: number): Bucket {
  return { tokens: capacity, updatedAt: now }
}

/** Refill by elapsed time, then take one token if there is one. Returns whether it did. */
export function takeToken(bucket: Bucket, capacity: number, perSecond: number, now: number): boolean {
  const elapsed = now - bucket.updatedAt
  if (elapsed > 0) {
    bucket.tokens = Math.min(capacity, bucket.tokens + (elapsed * perSecond) / 1000)
    bucket.updatedAt = now
  }
  if (bucket.tokens < 1) return false
  bucket.tokens -= 1
  return true
}

/** Give back a token taken for work that turned out to be limited otherwise (at most `capacity`). */
export function refundToken(bucket: Bucket, capacity: number): void {
  bucket.tokens = Math.min(capacity, bucket.tokens + 1)
}
