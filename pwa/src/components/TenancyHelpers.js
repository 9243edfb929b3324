/**
 * Small shared pieces of the housing screens (one lock): dates of a tenancy,
 * where it stands, and files a landlord downloads with their session.
 */
import { useSessionStore } from '@/stores/session.js'
import { currentLocale } from '@/i18n'

/** Today, or today plus some months, as YYYY-MM-DD in local time. */
export function localDate(monthsAhead = 0) {
  const day = new Date()
  day.setMonth(day.getMonth() + monthsAhead)
  const pad = (value) => String(value).padStart(2, '0')
  return `${day.getFullYear()}-${pad(day.getMonth() + 1)}-${pad(day.getDate())}`
}

/** A date (YYYY-MM-DD or ISO time) as the reader expects it. */
export function formatDay(value, locale) {
  if (!value) return '—'
  const date = new Date(value.length === 10 ? `${value}T00:00:00` : value)
  if (Number.isNaN(date.getTime())) return value
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(date)
}

export const LIVE_STATES = ['requested', 'verifying', 'verified', 'authorized', 'checked_in']

/** The step of 待核验 → 已核验 → 已授权 → 已入住 a tenancy has reached (0-based). */
export function stepIndex(tenancy) {
  switch (tenancy?.state) {
    case 'verified':
      return 1
    case 'authorized':
      return 2
    case 'checked_in':
    case 'checked_out':
      return 3
    default:
      return 0
  }
}

/** The key state, with 'none' when there is no key yet. */
export function keyState(tenancy) {
  return tenancy?.key?.state ?? 'none'
}

/** Until when the lock accepts a new fingerprint, when the answer says so. */
export function enrollmentOpenUntil(tenancy) {
  const key = tenancy?.key ?? {}
  const until = key.enrollment_until ?? key.enrollment_open_until ?? tenancy?.enrollment_until
  if (!until) return null
  const at = new Date(until)
  return at.getTime() > Date.now() ? at : null
}

/** What the tenant should do next, as a key of myRoom.nextSteps. */
export function nextStep(tenancy) {
  const state = tenancy?.state
  if (state === 'checked_out' || state === 'rejected') return state
  if (tenancy?.checkout_requested) return 'checkout_requested'
  if (state === 'checked_in') return 'checked_in'
  if (state === 'authorized') {
    if (enrollmentOpenUntil(tenancy)) return 'enrolling'
    const key = keyState(tenancy)
    if (key === 'enrolled') return 'checked_in'
    if (key === 'delivered') return 'delivered'
    return 'waiting_for_lock'
  }
  return state ?? 'requested'
}

/** A lock counts as low on battery under this percentage. */
export const LOW_BATTERY = 20

/**
 * Fetch a file of the API with the session's token (the token lives in
 * memory, so a plain link would not be authorized), as a Blob.
 */
export async function fetchFile(path) {
  const session = useSessionStore()
  const attempt = () =>
    fetch(`/api/v1${path}`, {
      credentials: 'same-origin',
      headers: {
        Authorization: `Bearer ${session.accessToken}`,
        'Accept-Language': currentLocale(),
      },
    })
  let response = await attempt()
  if (response.status === 401 && (await session.refresh())) response = await attempt()
  if (!response.ok) throw new Error(`HTTP ${response.status}`)
  return response.blob()
}

/** Save a Blob under a file name, the way a download link would. */
export function saveBlob(blob, fileName) {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}
