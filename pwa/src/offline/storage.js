/**
 * Where offline data lives: one IndexedDB database with an outbox of pending
 * submissions, form drafts and a little bookkeeping. When IndexedDB is missing
 * or refuses to open (some in-app browsers, private modes), the same interface
 * is served from memory: the app still works, but nothing survives a reload.
 */
import { deleteDB, openDB } from 'idb'

export const DB_NAME = 'anju-offline'
export const OUTBOX = 'outbox'
export const DRAFTS = 'drafts'
export const META = 'meta'

const OPEN_TIMEOUT_MS = 3000

function hasIndexedDB() {
  try {
    return typeof indexedDB !== 'undefined' && indexedDB !== null
  } catch {
    return false // reading indexedDB itself throws in some sandboxed frames
  }
}

export function createMemoryStorage() {
  const stores = { [OUTBOX]: new Map(), [DRAFTS]: new Map(), [META]: new Map() }
  const keyOf = { [OUTBOX]: 'id', [DRAFTS]: 'key', [META]: 'key' }
  // JSON, not structuredClone: this fallback serves the oldest browsers.
  const copy = (value) => (value === undefined ? undefined : JSON.parse(JSON.stringify(value)))

  return {
    kind: 'memory',
    async getAll(store) {
      return [...stores[store].values()].map(copy)
    },
    async get(store, key) {
      return copy(stores[store].get(key))
    },
    async put(store, value) {
      stores[store].set(value[keyOf[store]], copy(value))
    },
    async delete(store, key) {
      stores[store].delete(key)
    },
    async clear(store) {
      stores[store].clear()
    },
    close() {},
  }
}

async function openIndexedDBStorage() {
  const opening = openDB(DB_NAME, 1, {
    upgrade(db) {
      db.createObjectStore(OUTBOX, { keyPath: 'id' })
      db.createObjectStore(DRAFTS, { keyPath: 'key' })
      db.createObjectStore(META, { keyPath: 'key' })
    },
    blocking(currentVersion, blockedVersion, event) {
      event.target.close() // another tab is deleting the database at logout
    },
  })
  const db = await withTimeout(opening, 'IndexedDB did not open in time')

  return {
    kind: 'indexeddb',
    getAll: (store) => db.getAll(store),
    get: (store, key) => db.get(store, key),
    put: (store, value) => db.put(store, value).then(() => undefined),
    delete: (store, key) => db.delete(store, key),
    clear: (store) => db.clear(store),
    close: () => db.close(),
  }
}

/** Open the storage; never rejects, falling back to memory instead. */
export async function openOfflineStorage({ useIndexedDB = hasIndexedDB() } = {}) {
  if (!useIndexedDB) return createMemoryStorage()
  try {
    return await openIndexedDBStorage()
  } catch (error) {
    console.warn('Offline storage falls back to memory:', error)
    return createMemoryStorage()
  }
}

let current = null

/** The app's one storage, opened on first use. */
export function getOfflineStorage() {
  current ??= openOfflineStorage()
  return current
}

function withTimeout(promise, message) {
  let timer
  const timeout = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), OPEN_TIMEOUT_MS)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

function deleteDatabase() {
  // Deletion waits for other tabs to close the database; do not wait forever.
  return withTimeout(deleteDB(DB_NAME), 'IndexedDB deletion is blocked').catch((error) => {
    console.warn('Offline storage not deleted:', error)
  })
}

/** Forget everything stored offline, as logout requires. */
export async function deleteOfflineStorage() {
  const storage = await current
  current = null
  if (storage) storage.close()
  if (storage?.kind === 'indexeddb' || (!storage && hasIndexedDB())) await deleteDatabase()
}
