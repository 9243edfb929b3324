import 'fake-indexeddb/auto'

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'

import { ApiProblem, OfflineError } from '../api/client.js'

import { FAILED, PENDING, createOutbox } from './outbox.js'
import { DB_NAME, deleteOfflineStorage, getOfflineStorage, openOfflineStorage } from './storage.js'

function problem(status, errors = {}) {
  return new ApiProblem({ title: 'Refused', detail: `status ${status}`, errors }, { status })
}

function sequentialKeys() {
  let n = 0
  return () => `key-${++n}`
}

describe.each([
  ['IndexedDB', true],
  ['memory', false],
])('outbox in %s', (kind, useIndexedDB) => {
  let storage
  let send
  let outbox

  beforeEach(async () => {
    storage = await openOfflineStorage({ useIndexedDB })
    send = vi.fn(async () => ({}))
    let clock = 0
    outbox = createOutbox({
      storage,
      send: (item) => send(item),
      newKey: sequentialKeys(),
      now: () => new Date(Date.UTC(2025, 0, 1, 0, 0, clock++)).toISOString(),
    })
  })

  afterEach(async () => {
    for (const item of await outbox.list()) await outbox.discard(item.id)
    storage.close()
  })

  it('opens the storage it was asked for', () => {
    expect(storage.kind).toBe(useIndexedDB ? 'indexeddb' : 'memory')
  })

  it('stores a submission with its idempotency key, pending', async () => {
    const item = await outbox.enqueue({ url: '/things', body: { a: 1 }, label: 'x' })

    const [stored] = await outbox.list()
    expect(stored).toMatchObject({
      id: item.id,
      method: 'POST',
      url: '/things',
      body: { a: 1 },
      state: PENDING,
      attempts: 0,
    })
    expect(stored.idempotencyKey).toBeTruthy()
    expect(stored.createdAt).toBeTruthy()
  })

  it('keeps the key given by the first attempt', async () => {
    await outbox.enqueue({ url: '/things', body: {}, idempotencyKey: 'first-try' })
    await outbox.flush()
    expect(send.mock.calls[0][0].idempotencyKey).toBe('first-try')
  })

  it('removes an item the server accepted', async () => {
    await outbox.enqueue({ url: '/things', body: {} })

    const summary = await outbox.flush()

    expect(summary.sent).toBe(1)
    expect(await outbox.list()).toEqual([])
  })

  it('sends the same key on every retry until it is accepted', async () => {
    await outbox.enqueue({ url: '/things', body: {} })
    send.mockRejectedValueOnce(new OfflineError(new TypeError('offline')))
    send.mockRejectedValueOnce(problem(503))

    expect((await outbox.flush()).unreachable).toBe(1)
    expect((await outbox.flush()).waiting).toBe(1)
    expect((await outbox.flush()).sent).toBe(1)

    const keys = send.mock.calls.map(([item]) => item.idempotencyKey)
    expect(keys).toHaveLength(3)
    expect(new Set(keys).size).toBe(1)
  })

  it('counts attempts while an item waits', async () => {
    await outbox.enqueue({ url: '/things', body: {} })
    send.mockRejectedValue(problem(502))

    await outbox.flush()
    await outbox.flush()

    const [item] = await outbox.list()
    expect(item.state).toBe(PENDING)
    expect(item.attempts).toBe(2)
  })

  it('marks a 4xx failed, keeps the data and the problem, and stops retrying it', async () => {
    await outbox.enqueue({ url: '/things', body: { phone: 'bad' } })
    send.mockRejectedValueOnce(problem(422, { phone: [{ code: 'invalid', message: 'bad phone' }] }))

    expect((await outbox.flush()).failed).toBe(1)
    const [item] = await outbox.list()
    expect(item.state).toBe(FAILED)
    expect(item.body).toEqual({ phone: 'bad' })
    expect(item.problem.status).toBe(422)
    expect(item.problem.errors.phone[0].message).toBe('bad phone')

    await outbox.flush()
    expect(send).toHaveBeenCalledTimes(1)
  })

  it('stops a round at the first unreachable item', async () => {
    await outbox.enqueue({ url: '/one', body: {} })
    await outbox.enqueue({ url: '/two', body: {} })
    send.mockRejectedValueOnce(new OfflineError(new TypeError('offline')))

    const summary = await outbox.flush()

    expect(summary).toMatchObject({ unreachable: 1, sent: 0 })
    expect(send).toHaveBeenCalledTimes(1)
    expect(await outbox.list()).toHaveLength(2)
  })

  it('sends oldest first', async () => {
    await outbox.enqueue({ url: '/one', body: {} })
    await outbox.enqueue({ url: '/two', body: {} })

    await outbox.flush()

    expect(send.mock.calls.map(([item]) => item.url)).toEqual(['/one', '/two'])
  })

  it('resends a failed item unchanged with its key, a corrected one with a new key', async () => {
    const item = await outbox.enqueue({ url: '/things', body: { phone: 'bad' } })
    send.mockRejectedValue(problem(409))
    await outbox.flush()

    const same = await outbox.resubmit(item.id)
    expect(same).toMatchObject({ state: PENDING, idempotencyKey: item.idempotencyKey, problem: null })

    await outbox.flush()
    const corrected = await outbox.resubmit(item.id, { phone: 'good' })
    expect(corrected.body).toEqual({ phone: 'good' })
    expect(corrected.idempotencyKey).not.toBe(item.idempotencyKey)
  })

  it("sends only the current owner's items", async () => {
    await outbox.enqueue({ url: '/mine', body: {}, owner: 'a1' })
    await outbox.enqueue({ url: '/theirs', body: {}, owner: 'b2' })

    await outbox.flush({ owner: 'a1' })

    expect(send.mock.calls.map(([item]) => item.url)).toEqual(['/mine'])
  })
})

describe('offline storage', () => {
  it('falls back to memory without IndexedDB', async () => {
    const storage = await openOfflineStorage({ useIndexedDB: false })
    expect(storage.kind).toBe('memory')
  })

  it('is deleted at logout', async () => {
    const storage = await getOfflineStorage()
    await storage.put('outbox', { id: 'x', createdAt: '2025-01-01' })

    await deleteOfflineStorage()

    const databases = await indexedDB.databases()
    expect(databases.map((db) => db.name)).not.toContain(DB_NAME)
    const fresh = await getOfflineStorage()
    expect(await fresh.getAll('outbox')).toEqual([])
    await deleteOfflineStorage()
  })
})
