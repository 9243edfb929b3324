/**
 * The first checks the server makes on an ID number and a mobile number,
 * made on the phone as well, so that a typo is caught before the consent step
 * and before an offline form is queued. The server still decides: it also
 * checks the region code against its table, which is too large to ship here.
 * Each check answers with a message key under `checks.` or null; the texts are
 * the server's own (backend/anju/common/idnumber.py and phone.py).
 */

const FULL_WIDTH_DIGIT = /[\uFF10-\uFF19]/g
const CHECK_CHARACTERS = '10X98765432'
// Weight of each of the first 17 characters: 2 ** (17 - position) mod 11.
const WEIGHTS = Array.from({ length: 17 }, (_, position) => 2 ** (17 - position) % 11)
const EARLIEST_BIRTH_DATE = '1900-01-01'

function plainDigits(text) {
  return text.replace(FULL_WIDTH_DIGIT, (digit) => String(digit.charCodeAt(0) - 0xff10))
}

/** No spaces, plain digits, and an upper-case X (full-width too). */
export function normalizeIdNumber(raw) {
  return plainDigits(String(raw ?? '').replace(/\s+/g, '')).replace(/[xXｘＸ]/g, 'X')
}

/** The ISO 7064 MOD 11-2 check character of the first 17 digits. */
export function checkCharacter(body) {
  let total = 0
  for (const [position, digit] of [...body].entries()) total += Number(digit) * WEIGHTS[position]
  return CHECK_CHARACTERS[total % 11]
}

/** A real calendar date written YYYYMMDD, as YYYY-MM-DD, or null. */
function birthDate(digits) {
  const written = `${digits.slice(0, 4)}-${digits.slice(4, 6)}-${digits.slice(6, 8)}`
  const date = new Date(`${written}T00:00:00Z`)
  // An impossible day (02-30) is either refused or rolled over into the next month.
  const real = !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === written
  return real ? written : null
}

/**
 * Why this ID number cannot be right, in the server's order (required,
 * legacy15, format, birthDate, checksum), or null. `today` is YYYY-MM-DD.
 */
export function idNumberProblem(raw, today) {
  const number = normalizeIdNumber(raw)
  if (!number) return 'checks.idNumber.required'
  if (/^[0-9]{15}$/.test(number)) return 'checks.idNumber.legacy15'
  if (!/^[0-9]{17}[0-9X]$/.test(number)) return 'checks.idNumber.format'

  const born = birthDate(number.slice(6, 14))
  if (!born || born < EARLIEST_BIRTH_DATE || born > today) return 'checks.idNumber.birthDate'

  if (checkCharacter(number.slice(0, 17)) !== number[17]) return 'checks.idNumber.checksum'
  return null
}

/** The 11 digits of a mainland mobile number, as the server reads one typed
 * as +86 138 1234 5678, 0086-13812345678 or in full-width digits. */
export function normalizePhone(raw) {
  const number = plainDigits(String(raw ?? ''))
    .replace(/＋/g, '+')
    .replace(/[\s\-\u2010\u2011\u2013\u2014\uFF0D]+/g, '')
  return number.replace(/^(?:\+|00)?86(?=[0-9]{11}$)/, '')
}

/** Why this mobile number cannot be right, or null. */
export function phoneProblem(raw) {
  const number = normalizePhone(raw)
  if (!number) return 'checks.phone.required'
  return /^1[3-9][0-9]{9}$/.test(number) ? null : 'checks.phone.format'
}

/**
 * The typos in a person's identity fields (`id_number`, and `phone` when one
 * is given), as message keys by field: what the form shows before sending.
 */
export function identityTypos({ id_number: idNumber, phone }, today) {
  const typos = {}
  const idIssue = idNumberProblem(idNumber, today)
  if (idIssue) typos.id_number = idIssue
  const phoneIssue = String(phone ?? '').trim() && phoneProblem(phone)
  if (phoneIssue) typos.phone = phoneIssue
  return typos
}
