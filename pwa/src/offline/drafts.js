/**
 * Drafts of long forms, saved as the user types so that a closed tab, a dead
 * battery or a lost connection costs nothing. One draft per form key.
 */
import { DRAFTS } from './storage.js'

export function createDrafts({ storage, now = () => new Date().toISOString() }) {
  return {
    async load(key) {
      return (await storage.get(DRAFTS, key)) ?? null
    },
    async save(key, values) {
      await storage.put(DRAFTS, { key, values, savedAt: now() })
    },
    async remove(key) {
      await storage.delete(DRAFTS, key)
    },
  }
}

/** A plain copy of a form's values without the fields never to be stored. */
export function draftValues(form, omit = []) {
  const values = JSON.parse(JSON.stringify(form))
  for (const field of omit) delete values[field]
  return values
}
