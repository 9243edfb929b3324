import { computed, ref } from 'vue'

import { ApiProblem, OfflineError, api, isTransientStatus } from '@/api'
import { useOutboxStore } from '@/stores/outbox.js'

import { newIdempotencyKey } from './idempotency.js'

function browserIsOffline() {
  return typeof navigator !== 'undefined' && navigator.onLine === false
}

/**
 * Send a form, or keep it in the outbox when the network is down.
 *
 * status: idle → sending → sent | queued | invalid (a 4xx, with field errors
 * to show next to the fields) | error. The same Idempotency-Key goes with the
 * first attempt and every later one, so a request that did reach the server
 * before the connection dropped is never recorded twice.
 *
 * A form reopened from the pending list (`?outbox=<id>`) gets the refused
 * data back from `resume(id)`, and submits with `replaces: id`: once the new
 * attempt is sent or queued, the refused item leaves the outbox.
 */
export function useSubmit() {
  const status = ref('idle')
  const problem = ref(null)
  const outbox = useOutboxStore()

  const fieldErrors = computed(() => problem.value?.errors ?? {})

  function fieldError(field) {
    return problem.value?.fieldMessage(field) ?? ''
  }

  /** The data of a refused submission, for its form to show again. */
  async function resume(id) {
    await outbox.load()
    const item = outbox.items.find((candidate) => candidate.id === id)
    if (item?.problem) problem.value = ApiProblem.fromJSON(item.problem)
    return item ?? null
  }

  async function settle(replaces) {
    if (replaces) await outbox.discard(replaces)
  }

  async function queue(submission, idempotencyKey, replaces) {
    const item = await outbox.enqueue({ ...submission, idempotencyKey })
    await settle(replaces)
    status.value = 'queued'
    return { queued: item }
  }

  async function submit({ method = 'POST', url, body, label, returnTo, replaces }) {
    const submission = { method, url, body, label, returnTo }
    const idempotencyKey = newIdempotencyKey()
    status.value = 'sending'
    problem.value = null

    if (browserIsOffline()) return queue(submission, idempotencyKey, replaces)

    try {
      const data = await api.request(method, url, {
        body,
        headers: { 'Idempotency-Key': idempotencyKey },
      })
      await settle(replaces)
      status.value = 'sent'
      return { data }
    } catch (error) {
      if (error instanceof OfflineError) return queue(submission, idempotencyKey, replaces)
      if (error instanceof ApiProblem && isTransientStatus(error.status)) {
        return queue(submission, idempotencyKey, replaces)
      }
      if (error instanceof ApiProblem) {
        problem.value = error
        status.value = 'invalid'
        return { problem: error }
      }
      status.value = 'error'
      throw error
    }
  }

  return { status, problem, fieldErrors, fieldError, submit, resume }
}
