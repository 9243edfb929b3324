/**
 * The outbox: form submissions that could not be sent yet.
 *
 * An item keeps its Idempotency-Key from the first attempt to the last, so
 * however often it is sent, the server makes one record. A 2xx removes it; a
 * 4xx marks it failed and keeps the data and the problem, for the user to
 * correct; anything transient leaves it pending for the next round.
 */
import { ApiProblem, OfflineError, SessionEndedError, isTransientStatus } from '../api/client.js'
import { newIdempotencyKey } from './idempotency.js'
import { OUTBOX } from './storage.js'

export const PENDING = 'pending'
export const FAILED = 'failed'

export function createOutbox({
  storage,
  send,
  newKey = newIdempotencyKey,
  now = () => new Date().toISOString(),
}) {
  async function enqueue({ method = 'POST', url, body, idempotencyKey, label, returnTo, owner }) {
    const item = {
      id: newKey(),
      method,
      url,
      body,
      idempotencyKey: idempotencyKey || newKey(),
      createdAt: now(),
      state: PENDING,
      attempts: 0,
      lastAttemptAt: null,
      problem: null,
      label: label || null,
      returnTo: returnTo || null,
      owner: owner ?? null,
    }
    await storage.put(OUTBOX, item)
    return item
  }

  async function list() {
    const items = await storage.getAll(OUTBOX)
    return items.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id))
  }

  /** Send one item; answer 'sent', 'failed', 'waiting' or 'unreachable'. */
  async function deliver(item) {
    const attempt = { ...item, attempts: item.attempts + 1, lastAttemptAt: now() }
    try {
      await send(attempt)
    } catch (error) {
      if (error instanceof OfflineError || error instanceof SessionEndedError) {
        await storage.put(OUTBOX, attempt)
        return 'unreachable'
      }
      if (error instanceof ApiProblem && !isTransientStatus(error.status) && error.status < 500) {
        await storage.put(OUTBOX, { ...attempt, state: FAILED, problem: error.toJSON() })
        return 'failed'
      }
      // A 5xx, a 429, or a bug on our side: try again next round, same key.
      const problem = error instanceof ApiProblem ? error.toJSON() : null
      await storage.put(OUTBOX, { ...attempt, problem })
      return 'waiting'
    }
    await storage.delete(OUTBOX, item.id)
    return 'sent'
  }

  /** Send every pending item of this owner, oldest first; stop when unreachable. */
  async function flush({ owner = null } = {}) {
    const summary = { sent: 0, failed: 0, waiting: 0, unreachable: 0 }
    for (const item of await list()) {
      if (item.state !== PENDING) continue
      if (owner !== null && item.owner !== null && item.owner !== owner) continue
      const outcome = await deliver(item)
      summary[outcome] += 1
      if (outcome === 'unreachable') break
    }
    return summary
  }

  /**
   * Put a failed item back in line. Changed data gets a new key: the server
   * refused the old request and must not answer the new one from its memory.
   */
  async function resubmit(id, body) {
    const item = await storage.get(OUTBOX, id)
    if (!item) return null
    const changed = body !== undefined
    const retried = {
      ...item,
      state: PENDING,
      problem: null,
      body: changed ? body : item.body,
      idempotencyKey: changed ? newKey() : item.idempotencyKey,
    }
    await storage.put(OUTBOX, retried)
    return retried
  }

  async function discard(id) {
    await storage.delete(OUTBOX, id)
  }

  return { enqueue, list, deliver, flush, resubmit, discard }
}
