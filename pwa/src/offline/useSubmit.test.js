import { createPinia, setActivePinia } from 'pinia'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { api } from '@/api'
import { useOutboxStore } from '@/stores/outbox.js'

import { deleteOfflineStorage } from './storage.js'
import { useSubmit } from './useSubmit.js'

function json(status, body) {
  const type = status >= 400 ? 'application/problem+json' : 'application/json'
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': type } })
}

describe('useSubmit', () => {
  let fetch
  let outbox

  beforeEach(async () => {
    setActivePinia(createPinia())
    fetch = vi.fn()
    api.configure({ fetch, getAccessToken: () => 'token' })
    outbox = useOutboxStore()
    await outbox.claim('a1')
  })

  afterEach(async () => {
    vi.restoreAllMocks()
    await deleteOfflineStorage()
  })

  it('sends the form with an idempotency key', async () => {
    fetch.mockResolvedValue(json(201, { id: 'r1' }))
    const { submit, status } = useSubmit()

    const result = await submit({ url: '/things', body: { name: 'a' } })

    expect(result.data).toEqual({ id: 'r1' })
    expect(status.value).toBe('sent')
    expect(fetch.mock.calls[0][1].headers['Idempotency-Key']).toBeTruthy()
    expect(outbox.count).toBe(0)
  })

  it('queues the form with the key of the failed attempt when the network is down', async () => {
    fetch.mockRejectedValue(new TypeError('Failed to fetch'))
    const { submit, status } = useSubmit()

    const result = await submit({ url: '/things', body: { name: 'a' }, label: 'x' })

    expect(status.value).toBe('queued')
    expect(outbox.items).toHaveLength(1)
    const attemptedKey = fetch.mock.calls[0][1].headers['Idempotency-Key']
    expect(result.queued.idempotencyKey).toBe(attemptedKey)
    expect(outbox.items[0]).toMatchObject({ owner: 'a1', body: { name: 'a' }, state: 'pending' })
  })

  it('queues without trying when the browser says it is offline', async () => {
    vi.spyOn(navigator, 'onLine', 'get').mockReturnValue(false)
    const { submit, status } = useSubmit()

    await submit({ url: '/things', body: {} })

    expect(fetch).not.toHaveBeenCalled()
    expect(status.value).toBe('queued')
  })

  it('shows a 4xx next to the fields and queues nothing', async () => {
    fetch.mockResolvedValue(
      json(422, { status: 422, errors: { name: [{ code: 'required', message: '请填写姓名' }] } }),
    )
    const { submit, status, fieldError } = useSubmit()

    await submit({ url: '/things', body: {} })

    expect(status.value).toBe('invalid')
    expect(fieldError('name')).toBe('请填写姓名')
    expect(outbox.count).toBe(0)
  })

  it('replaces a refused item once the corrected form is sent', async () => {
    const refused = await outbox.enqueue({ url: '/things', body: { name: '' } })
    fetch.mockResolvedValue(json(201, {}))
    const { submit } = useSubmit()

    await submit({ url: '/things', body: { name: 'a' }, replaces: refused.id })

    expect(outbox.count).toBe(0)
  })
})
