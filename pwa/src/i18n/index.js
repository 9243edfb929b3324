import { Locale as VantLocale } from 'vant/es/locale/index.mjs'
import vantChinese from 'vant/es/locale/lang/zh-CN.mjs'
import { createI18n } from 'vue-i18n'

import zhCN from './messages/zh-CN.js'

export const LOCALES = ['zh-CN', 'en']
export const DEFAULT_LOCALE = 'zh-CN'

// The one thing the app keeps after logout.
export const LOCALE_STORAGE_KEY = 'anju.locale'

// Chinese, the default, comes with the first screen; English is fetched the
// first time it is chosen (a separate chunk, precached by the service worker
// so that it works offline too): most phones never need it.
const LOADERS = {
  en: async () => {
    const [messages, vant] = await Promise.all([
      import('./messages/en.js'),
      import('vant/es/locale/lang/en-US.mjs'),
    ])
    return { messages: messages.default, vant: ['en-US', vant.default] }
  },
}
const VANT_MESSAGES = { 'zh-CN': ['zh-CN', vantChinese] }

/** A saved choice wins; then the browser's languages; then Chinese. */
export function pickLocale(saved, languages = []) {
  if (LOCALES.includes(saved)) return saved
  for (const language of languages) {
    const lower = String(language).toLowerCase()
    if (lower.startsWith('zh')) return 'zh-CN'
    if (lower.startsWith('en')) return 'en'
  }
  return DEFAULT_LOCALE
}

function readSavedLocale() {
  try {
    return localStorage.getItem(LOCALE_STORAGE_KEY)
  } catch {
    return null // storage may be off in private modes and some in-app browsers
  }
}

function browserLanguages() {
  if (typeof navigator === 'undefined') return []
  return navigator.languages?.length ? navigator.languages : [navigator.language]
}

/** The language to start in: see pickLocale. */
export function initialLocale() {
  return pickLocale(readSavedLocale(), browserLanguages())
}

// Starts in Chinese; main.js applies initialLocale() once its messages are here.
export const i18n = createI18n({
  legacy: false,
  locale: DEFAULT_LOCALE,
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN },
})

/** The locale's messages, fetched once when they are not in the bundle. */
async function loadLocale(locale) {
  if (VANT_MESSAGES[locale]) return
  const { messages, vant } = await LOADERS[locale]()
  i18n.global.setLocaleMessage(locale, messages)
  VANT_MESSAGES[locale] = vant
}

export function currentLocale() {
  return i18n.global.locale.value
}

/**
 * Apply a locale to the page, Vant and vue-i18n, once its messages are here;
 * save it when the user chose it. When they cannot be fetched (offline before
 * the service worker had them), the page stays in the language it was in.
 */
export async function applyLocale(locale, { save = false } = {}) {
  try {
    await loadLocale(locale)
  } catch {
    locale = DEFAULT_LOCALE
    save = false
  }
  i18n.global.locale.value = locale
  VantLocale.use(...VANT_MESSAGES[locale])
  document.documentElement.lang = locale
  document.title = i18n.global.t('app.name')
  if (!save) return
  try {
    localStorage.setItem(LOCALE_STORAGE_KEY, locale)
  } catch {
    // Not saved: the choice lasts until the page closes.
  }
}
