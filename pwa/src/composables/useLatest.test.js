import { describe, expect, it } from 'vitest'

import { useLatest } from './useLatest.js'

describe('useLatest', () => {
  it('keeps only the newest read current', () => {
    const begin = useLatest()
    const first = begin()
    expect(first()).toBe(true)

    const second = begin()
    expect(first()).toBe(false)
    expect(second()).toBe(true)
  })

  it('counts each list apart', () => {
    const staff = useLatest()
    const venues = useLatest()
    const read = staff()
    venues()
    expect(read()).toBe(true)
  })
})
