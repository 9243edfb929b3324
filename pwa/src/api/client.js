/**
 * The HTTP client for the Anju API.
 *
 * Every answer that is not a 2xx becomes an ApiProblem (the server's
 * application/problem+json document, already in the requested language);
 * a request that never reached the server becomes an OfflineError. A 401 on
 * an authenticated request refreshes the session once and retries once.
 */

export class ApiProblem extends Error {
  constructor(document, { status, retryAfter = null } = {}) {
    super(document.detail || document.title || `HTTP ${status}`)
    this.name = 'ApiProblem'
    this.status = status
    this.type = document.type || 'about:blank'
    this.title = document.title || ''
    this.detail = document.detail || ''
    this.errors = document.errors || {}
    this.retryAfter = retryAfter
  }

  get isMfaRequired() {
    return this.status === 401 && this.type.endsWith('/mfa-required')
  }

  /** The first message for a field, or '' when the field is fine. */
  fieldMessage(field) {
    const messages = this.errors[field]
    return messages && messages.length ? messages[0].message : ''
  }

  get hasFieldErrors() {
    return Object.keys(this.errors).length > 0
  }

  toJSON() {
    const { status, type, title, detail, errors, retryAfter } = this
    return { status, type, title, detail, errors, retryAfter }
  }

  static fromJSON(saved) {
    return new ApiProblem(saved, saved)
  }
}

/** The request did not reach the server: no network, DNS, a dropped connection. */
export class OfflineError extends Error {
  constructor(cause) {
    super('The server could not be reached', { cause })
    this.name = 'OfflineError'
  }
}

/** A 401 that a refresh could not cure: the user has to log in again. */
export class SessionEndedError extends Error {
  constructor() {
    super('The session is over')
    this.name = 'SessionEndedError'
  }
}

/** Statuses worth trying again later with the same idempotency key. */
export function isTransientStatus(status) {
  return status === 408 || status === 425 || status === 429 || status >= 502
}

/** Retry-After is either seconds or an HTTP date; answer whole seconds. */
export function parseRetryAfter(value, now = Date.now()) {
  if (!value) return null
  const seconds = Number(value)
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds))
  const at = Date.parse(value)
  return Number.isNaN(at) ? null : Math.max(0, Math.ceil((at - now) / 1000))
}

async function readBody(response) {
  if (response.status === 204 || response.status === 205) return null
  const text = await response.text()
  if (!text) return null
  const type = response.headers.get('Content-Type') || ''
  if (!type.includes('json')) return { detail: '' }
  try {
    return JSON.parse(text)
  } catch {
    return { detail: '' }
  }
}

export function createApiClient(options = {}) {
  const hooks = {
    baseUrl: '/api/v1',
    fetch: (...args) => globalThis.fetch(...args),
    getAccessToken: () => null,
    getLocale: () => 'zh-CN',
    refreshSession: async () => false,
    onSessionEnded: () => {},
    ...options,
  }

  function headersFor({ body, headers, auth }) {
    const result = {
      Accept: 'application/json, application/problem+json',
      'Accept-Language': hooks.getLocale(),
      ...headers,
    }
    if (body !== undefined) result['Content-Type'] = 'application/json'
    const token = auth ? hooks.getAccessToken() : null
    if (token) result.Authorization = `Bearer ${token}`
    return result
  }

  async function request(method, path, requestOptions = {}) {
    const { body, auth = true, retryOnUnauthorized = true, signal } = requestOptions

    let response
    try {
      response = await hooks.fetch(hooks.baseUrl + path, {
        method,
        credentials: 'same-origin',
        headers: headersFor({ body, headers: requestOptions.headers, auth }),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
      })
    } catch (error) {
      if (error && error.name === 'AbortError') throw error
      throw new OfflineError(error)
    }

    if (response.status === 401 && auth) {
      if (retryOnUnauthorized && (await hooks.refreshSession())) {
        return request(method, path, { ...requestOptions, retryOnUnauthorized: false })
      }
      hooks.onSessionEnded()
      throw new SessionEndedError()
    }

    const answer = await readBody(response)
    if (response.ok) return answer
    throw new ApiProblem(answer || {}, {
      status: response.status,
      retryAfter: parseRetryAfter(response.headers.get('Retry-After')),
    })
  }

  return {
    request,
    configure(changes) {
      Object.assign(hooks, changes)
    },
    get: (path, opts) => request('GET', path, opts),
    post: (path, body, opts) => request('POST', path, { ...opts, body }),
    put: (path, body, opts) => request('PUT', path, { ...opts, body }),
    patch: (path, body, opts) => request('PATCH', path, { ...opts, body }),
    delete: (path, opts) => request('DELETE', path, opts),
  }
}
