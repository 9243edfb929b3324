import { describe, expect, it, vi } from 'vitest'

import {
  ApiProblem,
  OfflineError,
  SessionEndedError,
  createApiClient,
  parseRetryAfter,
} from './client.js'

function answer(status, body, headers = {}) {
  const text = body === undefined ? '' : JSON.stringify(body)
  const type = status >= 400 ? 'application/problem+json' : 'application/json'
  return new Response(status === 204 ? null : text, {
    status,
    headers: { 'Content-Type': type, ...headers },
  })
}

function clientWith(responses, hooks = {}) {
  const queue = [...responses]
  const fetch = vi.fn(async () => {
    const next = queue.shift()
    if (next instanceof Error) throw next
    return next
  })
  return { fetch, api: createApiClient({ fetch, ...hooks }) }
}

describe('api client', () => {
  it('sends JSON with the locale, the token and same-origin credentials', async () => {
    const { fetch, api } = clientWith([answer(200, { ok: true })], {
      getAccessToken: () => 'token-1',
      getLocale: () => 'en',
    })

    const result = await api.post('/things', { name: 'a' })

    expect(result).toEqual({ ok: true })
    const [url, init] = fetch.mock.calls[0]
    expect(url).toBe('/api/v1/things')
    expect(init.method).toBe('POST')
    expect(init.credentials).toBe('same-origin')
    expect(init.body).toBe('{"name":"a"}')
    expect(init.headers['Accept-Language']).toBe('en')
    expect(init.headers['Content-Type']).toBe('application/json')
    expect(init.headers.Authorization).toBe('Bearer token-1')
  })

  it('leaves the token off anonymous requests', async () => {
    const { fetch, api } = clientWith([answer(202, { expires_in: 300 })], {
      getAccessToken: () => 'token-1',
    })

    await api.post('/auth/sms-codes', { phone: '13800000000' }, { auth: false })

    expect(fetch.mock.calls[0][1].headers.Authorization).toBeUndefined()
  })

  it('answers null for 204', async () => {
    const { api } = clientWith([answer(204)])
    expect(await api.post('/auth/logout')).toBeNull()
  })

  it('turns a problem document into an ApiProblem with its field errors', async () => {
    const problem = {
      type: 'https://anju.example/problems/validation',
      title: 'Invalid input',
      status: 422,
      detail: 'Check the fields',
      errors: { phone: [{ code: 'invalid', message: '手机号格式不正确' }] },
    }
    const { api } = clientWith([answer(422, problem)])

    const error = await api.post('/things', {}).catch((e) => e)

    expect(error).toBeInstanceOf(ApiProblem)
    expect(error.status).toBe(422)
    expect(error.detail).toBe('Check the fields')
    expect(error.fieldMessage('phone')).toBe('手机号格式不正确')
    expect(error.fieldMessage('code')).toBe('')
    expect(error.hasFieldErrors).toBe(true)
  })

  it('recognizes the mfa-required problem', async () => {
    const problem = { type: 'https://anju.example/problems/mfa-required', status: 401 }
    const { api } = clientWith([answer(401, problem)])

    const error = await api
      .post('/auth/tokens/password', { phone: '1', password: 'x' }, { auth: false })
      .catch((e) => e)

    expect(error.isMfaRequired).toBe(true)
  })

  it('reads Retry-After on a 429', async () => {
    const { api } = clientWith([answer(429, { status: 429 }, { 'Retry-After': '42' })])
    const error = await api.post('/auth/sms-codes', {}, { auth: false }).catch((e) => e)
    expect(error.retryAfter).toBe(42)
  })

  it('reports an unreachable server as OfflineError', async () => {
    const { api } = clientWith([new TypeError('Failed to fetch')])
    await expect(api.get('/me')).rejects.toBeInstanceOf(OfflineError)
  })

  it('refreshes once on a 401 and retries once with the new token', async () => {
    let token = 'old'
    const refreshSession = vi.fn(async () => {
      token = 'new'
      return true
    })
    const { fetch, api } = clientWith([answer(401, { status: 401 }), answer(200, { id: 'a1' })], {
      getAccessToken: () => token,
      refreshSession,
    })

    expect(await api.get('/me')).toEqual({ id: 'a1' })
    expect(refreshSession).toHaveBeenCalledTimes(1)
    expect(fetch.mock.calls[1][1].headers.Authorization).toBe('Bearer new')
  })

  it('ends the session when the retry is refused too', async () => {
    const onSessionEnded = vi.fn()
    const refreshSession = vi.fn(async () => true)
    const { fetch, api } = clientWith([answer(401, {}), answer(401, {})], {
      refreshSession,
      onSessionEnded,
    })

    await expect(api.get('/me')).rejects.toBeInstanceOf(SessionEndedError)
    expect(fetch).toHaveBeenCalledTimes(2)
    expect(refreshSession).toHaveBeenCalledTimes(1)
    expect(onSessionEnded).toHaveBeenCalledTimes(1)
  })

  it('ends the session when the refresh fails', async () => {
    const onSessionEnded = vi.fn()
    const { fetch, api } = clientWith([answer(401, {})], {
      refreshSession: async () => false,
      onSessionEnded,
    })

    await expect(api.get('/me')).rejects.toBeInstanceOf(SessionEndedError)
    expect(fetch).toHaveBeenCalledTimes(1)
    expect(onSessionEnded).toHaveBeenCalledTimes(1)
  })

  it('never refreshes for anonymous requests', async () => {
    const refreshSession = vi.fn()
    const { api } = clientWith([answer(401, { status: 401 })], { refreshSession })

    await expect(api.post('/auth/tokens/sms', {}, { auth: false })).rejects.toBeInstanceOf(ApiProblem)
    expect(refreshSession).not.toHaveBeenCalled()
  })
})

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates', () => {
    const now = Date.parse('2025-01-01T00:00:00Z')
    expect(parseRetryAfter('30', now)).toBe(30)
    expect(parseRetryAfter('Wed, 01 Jan 2025 00:01:00 GMT', now)).toBe(60)
    expect(parseRetryAfter('soon', now)).toBeNull()
    expect(parseRetryAfter(null, now)).toBeNull()
  })
})
