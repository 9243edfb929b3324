import { describe, expect, it } from 'vitest'

import { enrollmentOpenUntil, keyState, localDate, nextStep, stepIndex } from './TenancyHelpers.js'

const soon = () => new Date(Date.now() + 120_000).toISOString()
const past = () => new Date(Date.now() - 1_000).toISOString()

describe('stepIndex', () => {
  it('follows 待核验 → 已核验 → 已授权 → 已入住', () => {
    expect(stepIndex({ state: 'requested' })).toBe(0)
    expect(stepIndex({ state: 'verifying' })).toBe(0)
    expect(stepIndex({ state: 'verified' })).toBe(1)
    expect(stepIndex({ state: 'authorized' })).toBe(2)
    expect(stepIndex({ state: 'checked_in' })).toBe(3)
    expect(stepIndex({ state: 'checked_out' })).toBe(3)
  })
})

describe('nextStep', () => {
  it('waits for the landlord, the check and the lock', () => {
    expect(nextStep({ state: 'requested' })).toBe('requested')
    expect(nextStep({ state: 'verified' })).toBe('verified')
    expect(nextStep({ state: 'authorized', key: { state: 'waiting_for_lock' } })).toBe('waiting_for_lock')
    expect(nextStep({ state: 'authorized', key: { state: 'delivered' } })).toBe('delivered')
  })

  it('sends the tenant to the door while enrollment is open, and only then', () => {
    const open = { state: 'authorized', key: { state: 'delivered', enrollment_until: soon() } }
    const over = { state: 'authorized', key: { state: 'delivered', enrollment_until: past() } }
    expect(nextStep(open)).toBe('enrolling')
    expect(nextStep(over)).toBe('delivered')
    expect(enrollmentOpenUntil(over)).toBeNull()
  })

  it('puts a check-out request and an end first', () => {
    expect(nextStep({ state: 'checked_in', checkout_requested: true })).toBe('checkout_requested')
    expect(nextStep({ state: 'checked_out', checkout_requested: true })).toBe('checked_out')
    expect(nextStep({ state: 'rejected' })).toBe('rejected')
    expect(nextStep({ state: 'checked_in' })).toBe('checked_in')
  })
})

describe('keyState and localDate', () => {
  it('says none without a key', () => {
    expect(keyState({})).toBe('none')
    expect(keyState({ key: { state: 'enrolled' } })).toBe('enrolled')
  })

  it('writes YYYY-MM-DD', () => {
    expect(localDate()).toMatch(/^\d{4}-\d{2}-\d{2}$/)
    expect(localDate(12) > localDate()).toBe(true)
  })
})
