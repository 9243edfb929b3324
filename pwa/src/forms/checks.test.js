import { describe, expect, it } from 'vitest'

import {
  checkCharacter,
  idNumberProblem,
  normalizeIdNumber,
  normalizePhone,
  phoneProblem,
} from './checks.js'

// Each expectation below was also given by the server's own parse_id_number
// and normalize_phone (backend/anju/common) on 2026-12-04.
const TODAY = '2026-12-04'

describe('ID numbers', () => {
  it('accepts the standard example, typed with spaces, a small x or full-width characters', () => {
    expect(idNumberProblem('11010519491231002X', TODAY)).toBeNull()
    expect(idNumberProblem(' 110105 19491231 002x ', TODAY)).toBeNull()
    expect(idNumberProblem('１１０１０５１９４９１２３１００２Ｘ', TODAY)).toBeNull()
    expect(normalizeIdNumber('１１０１０５１９４９１２３１００２ｘ')).toBe('11010519491231002X')
  })

  it('computes the check character by ISO 7064 MOD 11-2', () => {
    expect(checkCharacter('11010519491231002')).toBe('X')
    expect(checkCharacter('44052419800101001')).toBe('3')
  })

  it('names a wrong check character', () => {
    expect(idNumberProblem('110105194912310021', TODAY)).toBe('checks.idNumber.checksum')
  })

  it('names an impossible, too early or future birth date before the check character', () => {
    expect(idNumberProblem('110105194902300021', TODAY)).toBe('checks.idNumber.birthDate')
    expect(idNumberProblem('110105189912310021', TODAY)).toBe('checks.idNumber.birthDate')
    expect(idNumberProblem('110105203012310021', TODAY)).toBe('checks.idNumber.birthDate')
    expect(idNumberProblem('440524188001010014', TODAY)).toBe('checks.idNumber.birthDate')
  })

  it('names a missing, old 15-digit or malformed number', () => {
    expect(idNumberProblem('  ', TODAY)).toBe('checks.idNumber.required')
    expect(idNumberProblem('110105491231002', TODAY)).toBe('checks.idNumber.legacy15')
    expect(idNumberProblem('11010519491231002', TODAY)).toBe('checks.idNumber.format')
    expect(idNumberProblem('1101051949123100XX', TODAY)).toBe('checks.idNumber.format')
  })
})

describe('mobile numbers', () => {
  it('reads the ways people type one', () => {
    expect(normalizePhone('+86 138 1234 5678')).toBe('13812345678')
    expect(normalizePhone('0086-13812345678')).toBe('13812345678')
    expect(normalizePhone('１３８１２３４５６７８')).toBe('13812345678')
    expect(phoneProblem('+86 138 1234 5678')).toBeNull()
  })

  it('names a number that is not a mainland mobile', () => {
    expect(phoneProblem('12812345678')).toBe('checks.phone.format')
    expect(phoneProblem('1381234567')).toBe('checks.phone.format')
    expect(phoneProblem('')).toBe('checks.phone.required')
  })
})
