/**
 * Files for one code: downloads (code PNG, poster PDF, templates, error
 * reports) and uploads (spreadsheets). The API client speaks JSON only, and a
 * plain link would not carry the access token (kept in memory), so these go
 * through fetch with the session's token, one refresh on a 401 like the client.
 */
import { ApiProblem, OfflineError, SessionEndedError } from '@/api'
import { parseRetryAfter } from '@/api/client.js'
import { currentLocale } from '@/i18n'
import { useSessionStore } from '@/stores/session.js'

const BASE = '/api/v1'

async function problemOf(response) {
  let document = {}
  try {
    const text = await response.text()
    if ((response.headers.get('Content-Type') || '').includes('json') && text) {
      document = JSON.parse(text)
    }
  } catch {
    document = {}
  }
  const problem = new ApiProblem(document, {
    status: response.status,
    retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
  })
  problem.document = document
  return problem
}

/** fetch under /api/v1 with the token; answers the Response or throws ApiProblem. */
export async function authorizedFetch(path, init = {}, { auth = true, retry = true } = {}) {
  const session = useSessionStore()
  const headers = { 'Accept-Language': currentLocale(), ...(init.headers || {}) }
  if (auth && session.accessToken) headers.Authorization = `Bearer ${session.accessToken}`

  let response
  try {
    response = await fetch(BASE + path, { credentials: 'same-origin', ...init, headers })
  } catch (error) {
    throw new OfflineError(error)
  }

  if (response.status === 401 && auth) {
    if (retry && (await session.refresh().catch(() => false))) {
      return authorizedFetch(path, init, { auth, retry: false })
    }
    throw new SessionEndedError()
  }
  if (!response.ok) throw await problemOf(response)
  return response
}

/** The whole problem document (with fields the client drops, e.g. contact). */
export async function getPublic(path) {
  const response = await authorizedFetch(
    path,
    { headers: { Accept: 'application/json, application/problem+json' } },
    { auth: false },
  )
  return response.json()
}

export function fileNameOf(response, fallback) {
  const header = response.headers.get('Content-Disposition') || ''
  const encoded = header.match(/filename\*=(?:UTF-8'')?([^;]+)/i)
  if (encoded) {
    try {
      return decodeURIComponent(encoded[1].trim().replace(/^"|"$/g, ''))
    } catch {
      // fall through to the plain name
    }
  }
  const plain = header.match(/filename="?([^";]+)"?/i)
  return plain ? plain[1] : fallback
}

/** Save a blob under a name, the way a link with `download` does. */
export function saveBlob(blob, name) {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = name
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 60_000)
}

/** Download an API file and save it; answers the file name. */
export async function downloadFile(path, fallbackName) {
  const response = await authorizedFetch(path)
  const name = fileNameOf(response, fallbackName)
  saveBlob(await response.blob(), name)
  return name
}

/** The text of an API file (a CSV report shown as a table). */
export async function fetchText(path) {
  const response = await authorizedFetch(path)
  return response.text()
}

/** POST a multipart form; answers the JSON body. */
export async function uploadForm(path, formData, idempotencyKey) {
  const headers = { Accept: 'application/json, application/problem+json' }
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey
  const response = await authorizedFetch(path, { method: 'POST', body: formData, headers })
  return response.json()
}

/** A small CSV reader: quoted fields, doubled quotes, CRLF, a BOM. */
export function parseCsv(text) {
  const rows = []
  let row = []
  let field = ''
  let quoted = false
  const source = text.replace(/^\uFEFF/, '')

  for (let index = 0; index < source.length; index += 1) {
    const char = source[index]
    if (quoted) {
      if (char === '"' && source[index + 1] === '"') {
        field += '"'
        index += 1
      } else if (char === '"') {
        quoted = false
      } else {
        field += char
      }
    } else if (char === '"') {
      quoted = true
    } else if (char === ',') {
      row.push(field)
      field = ''
    } else if (char === '\n' || char === '\r') {
      if (char === '\r' && source[index + 1] === '\n') index += 1
      row.push(field)
      rows.push(row)
      row = []
      field = ''
    } else {
      field += char
    }
  }
  if (field || row.length) {
    row.push(field)
    rows.push(row)
  }
  return rows.filter((cells) => cells.some((cell) => cell !== ''))
}

/** Today in the user's time zone, as YYYY-MM-DD. */
export function today() {
  const now = new Date()
  const pad = (value) => String(value).padStart(2, '0')
  return `${now.getFullYear()}-${pad(now.getMonth() + 1)}-${pad(now.getDate())}`
}

// Each role that manages venues has its own copy of the venue pages
// (router/venues.js): <prefix>-venue, <prefix>-staff-add, … and a list to return to.
const VENUE_PAGES = {
  operator: { prefix: 'operator', home: 'operator-venues' },
  area_admin: { prefix: 'area', home: 'area-coverage' },
  officer: { prefix: 'officer', home: 'officer-venues' },
}

/** The route-name prefix of a role's venue pages (the operator's by default). */
export function venuePrefix(role) {
  return (VENUE_PAGES[role] ?? VENUE_PAGES.operator).prefix
}

/** The route name of the list a role's venue pages return to. */
export function venueHome(role) {
  return (VENUE_PAGES[role] ?? VENUE_PAGES.operator).home
}

/** The verification state whether the API sends a string or {state}. */
export function verificationOf(value) {
  if (!value) return 'pending'
  return typeof value === 'string' ? value : value.state || 'pending'
}

export const VENUE_KINDS = [
  'stall_shop',
  'warehouse_logistics',
  'catering_entertainment',
  'construction_site',
  'workshop',
  'other',
]

export const CHANNELS = ['self_scan', 'operator', 'area_admin', 'officer', 'import']
export const VERIFICATIONS = ['pending', 'match', 'mismatch', 'not_found']
export const EMPLOYMENT_STATES = ['active', 'ended', 'left_without_notice']
