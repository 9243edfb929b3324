/**
 * What logout leaves behind: nothing but the locale choice. Every Pinia
 * store, the offline database, the app's runtime caches (the service worker's
 * precache of the app shell holds no user data and stays), sessionStorage and
 * the rest of localStorage.
 */
import { LOCALE_STORAGE_KEY } from '@/i18n'
import { resetAllStores } from '@/stores/reset.js'

import { deleteOfflineStorage } from './storage.js'

async function deleteRuntimeCaches() {
  if (typeof caches === 'undefined') return
  const names = await caches.keys()
  const userCaches = names.filter((name) => !name.startsWith('workbox-precache'))
  await Promise.all(userCaches.map((name) => caches.delete(name)))
}

function clearWebStorage() {
  try {
    sessionStorage.clear()
    const locale = localStorage.getItem(LOCALE_STORAGE_KEY)
    localStorage.clear()
    if (locale) localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Storage that cannot be read holds nothing of ours either.
  }
}

export async function forgetLocalData() {
  resetAllStores()
  clearWebStorage()
  await Promise.all([
    deleteOfflineStorage(),
    deleteRuntimeCaches().catch((error) => console.warn('Caches not cleared:', error)),
  ])
}
