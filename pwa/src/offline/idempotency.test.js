import { describe, expect, it } from 'vitest'

import { newIdempotencyKey } from './idempotency.js'

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/

describe('newIdempotencyKey', () => {
  it('uses crypto.randomUUID when there is one', () => {
    expect(newIdempotencyKey({ randomUUID: () => 'from-crypto' })).toBe('from-crypto')
  })

  it('builds a UUID v4 from getRandomValues otherwise', () => {
    const key = newIdempotencyKey({ getRandomValues: (bytes) => crypto.getRandomValues(bytes) })
    expect(key).toMatch(UUID_V4)
  })

  it('still answers a UUID v4 with no crypto at all', () => {
    const keys = new Set(Array.from({ length: 50 }, () => newIdempotencyKey(null)))
    for (const key of keys) expect(key).toMatch(UUID_V4)
    expect(keys.size).toBe(50)
  })
})
