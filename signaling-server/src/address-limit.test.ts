import { describe, expect, it } from 'vitest'
import { AddressLimit, clientAddress } from './address-limit'

describe('clientAddress', () => {
  it.each([
    ['the socket address without a proxy', '10.0.0.7', undefined, 0, '10.0.0.7'],
    ['IPv4-mapped IPv6 as IPv4', '::ffff:10.0.0.7', undefined, 0, '10.0.0.7'],
    ['X-Forwarded-For ignored unless trusted', '10.0.0.1', '203.0.113.9', 0, '10.0.0.1'],
    ['the last hop with one trusted proxy', '10.0.0.1', '198.51.100.1, 203.0.113.9', 1, '203.0.113.9'],
    ['the second hop from the right with two', '10.0.0.1', '198.51.100.1, 203.0.113.9', 2, '198.51.100.1'],
    ['the leftmost when there are fewer hops than proxies', '10.0.0.1', '203.0.113.9', 3, '203.0.113.9'],
    ['repeated headers as one list', '10.0.0.1', ['198.51.100.1', '203.0.113.9'], 1, '203.0.113.9'],
    ['the socket when the header is empty', '10.0.0.1', ' , ', 1, '10.0.0.1'],
    ['IPv6 by its /64', '2001:db8:a:b:1:2:3:4', undefined, 0, '2001:db8:a:b::/64'],
    ['compressed IPv6 by its /64', '2001:DB8::1', undefined, 0, '2001:db8:0:0::/64'],
    ['IPv6 with a zone', 'fe80::1%eth0', undefined, 0, 'fe80:0:0:0::/64'],
    ['IPv6 with a dotted tail', '64:ff9b::192.0.2.1', undefined, 0, '64:ff9b:0:0::/64'],
    ['loopback IPv6', '::1', undefined, 0, '0:0:0:0::/64'],
    ['a missing address', undefined, undefined, 0, 'unknown'],
  ] as const)('takes %s', (_what, remote, xff, trust, expected) => {
    expect(clientAddress(remote, xff as string | string[] | undefined, trust)).toBe(expected)
  })

  it('puts two hosts of one /64 under one key and hosts of different /64s under two', () => {
    const a = clientAddress('2001:db8:1:2::10', undefined, 0)
    expect(clientAddress('2001:db8:1:2:ffff::9', undefined, 0)).toBe(a)
    expect(clientAddress('2001:db8:1:3::10', undefined, 0)).not.toBe(a)
  })
})

describe('AddressLimit', () => {
  it('is full at max connections of one address, and has room again after a release', () => {
    const limit = new AddressLimit(2)
    limit.acquire('a')
    limit.acquire('a')
    expect(limit.full('a')).toBe(true)
    expect(limit.full('b')).toBe(false)
    limit.release('a')
    expect(limit.full('a')).toBe(false)
    limit.release('a')
    expect(limit.addresses).toBe(0)
  })

  it('is never full with max 0', () => {
    const limit = new AddressLimit(0)
    for (let i = 0; i < 1000; i++) limit.acquire('a')
    expect(limit.full('a')).toBe(false)
  })
})
