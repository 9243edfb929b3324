import { onBeforeUnmount, onMounted, ref, watch } from 'vue'

import { createDrafts, draftValues } from './drafts.js'
import { getOfflineStorage } from './storage.js'

/**
 * Keep a draft of a reactive form while the user types, and restore it when
 * the form opens again. Fields in `omit` (passwords, codes) are never stored.
 * Call `clear()` once the form has been sent.
 */
export function useDraft(key, form, { omit = [], delay = 500 } = {}) {
  const restoredAt = ref(null)
  let restored = false
  let timer = null

  const drafts = async () => createDrafts({ storage: await getOfflineStorage() })

  async function save() {
    timer = null
    await (await drafts()).save(key, draftValues(form, omit))
  }

  onMounted(async () => {
    const draft = await (await drafts()).load(key)
    if (draft) {
      Object.assign(form, draft.values)
      restoredAt.value = draft.savedAt
    }
    restored = true
  })

  watch(
    form,
    () => {
      if (!restored) return
      clearTimeout(timer)
      timer = setTimeout(save, delay)
    },
    { deep: true },
  )

  onBeforeUnmount(() => {
    if (timer) {
      clearTimeout(timer)
      save()
    }
  })

  async function clear() {
    clearTimeout(timer)
    timer = null
    restoredAt.value = null
    await (await drafts()).remove(key)
  }

  return { restoredAt, clear }
}
