import { ApiProblem, OfflineError, SessionEndedError } from '@/api'

/**
 * One sentence for the user about what went wrong. The server's problem text
 * is already in the user's language; the rest comes from our messages.
 */
export function describeError(error, t) {
  if (error instanceof OfflineError) return t('errors.network')
  if (error instanceof SessionEndedError) return t('login.sessionEnded')
  if (error instanceof ApiProblem) {
    if (error.status === 429 && error.retryAfter) {
      return error.detail || t('errors.retryIn', { seconds: error.retryAfter })
    }
    if (error.detail) return error.detail
    if (error.title) return error.title
    return t('errors.status', { status: error.status })
  }
  return t('errors.generic')
}

/** Format an ISO time for the user's locale, falling back to the raw text. */
export function formatDateTime(value, locale) {
  const date = new Date(value)
  if (Number.isNaN(date.getTime())) return value
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}
