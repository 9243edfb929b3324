import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { api } from '@/api'
import { FAILED, createOutbox } from '@/offline/outbox.js'
import { DRAFTS, META, OUTBOX, getOfflineStorage } from '@/offline/storage.js'

function sendQueued(item) {
  return api.request(item.method, item.url, {
    body: item.body,
    headers: { 'Idempotency-Key': item.idempotencyKey },
  })
}

/** The outbox as the screens see it: its items, and whether it survives a reload. */
export const useOutboxStore = defineStore('outbox', () => {
  const items = ref([])
  const storageKind = ref('unknown')
  const owner = ref(null)
  const flushing = ref(false)

  const count = computed(() => items.value.length)
  const failedCount = computed(() => items.value.filter((item) => item.state === FAILED).length)

  async function open() {
    const storage = await getOfflineStorage()
    storageKind.value = storage.kind
    return { storage, outbox: createOutbox({ storage, send: sendQueued }) }
  }

  async function load() {
    const { outbox } = await open()
    items.value = await outbox.list()
  }

  /** Bind the outbox to the logged-in account; another account's items are dropped. */
  async function claim(accountId) {
    const { storage } = await open()
    const saved = await storage.get(META, 'owner')
    if (saved && saved.value !== accountId) {
      await storage.clear(OUTBOX)
      await storage.clear(DRAFTS)
    }
    await storage.put(META, { key: 'owner', value: accountId })
    owner.value = accountId
    await load()
  }

  async function enqueue(submission) {
    const { outbox } = await open()
    const item = await outbox.enqueue({ ...submission, owner: owner.value })
    await load()
    return item
  }

  let running = null

  /** Send what is pending; concurrent calls share one run. */
  function flush() {
    running ??= (async () => {
      flushing.value = true
      try {
        const { outbox } = await open()
        return await outbox.flush({ owner: owner.value })
      } finally {
        flushing.value = false
        running = null
        await load()
      }
    })()
    return running
  }

  async function resubmit(id, body) {
    const { outbox } = await open()
    await outbox.resubmit(id, body)
    return flush()
  }

  async function discard(id) {
    const { outbox } = await open()
    await outbox.discard(id)
    await load()
  }

  return {
    items,
    storageKind,
    owner,
    flushing,
    count,
    failedCount,
    load,
    claim,
    enqueue,
    flush,
    resubmit,
    discard,
  }
})
