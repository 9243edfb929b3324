import { Locale as VantLocale } from 'vant/es/locale/index.mjs'
import vantEnglish from 'vant/es/locale/lang/en-US.mjs'
import vantChinese from 'vant/es/locale/lang/zh-CN.mjs'
import { createI18n } from 'vue-i18n'

import en from './messages/en.js'
import zhCN from './messages/zh-CN.js'

export const LOCALES = ['zh-CN', 'en']
export const DEFAULT_LOCALE = 'zh-CN'

// The one thing the app keeps after logout.
export const LOCALE_STORAGE_KEY = 'anju.locale'

const VANT_MESSAGES = {
  'zh-CN': ['zh-CN', vantChinese],
  en: ['en-US', vantEnglish],
}

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

export const i18n = createI18n({
  legacy: false,
  locale: pickLocale(readSavedLocale(), browserLanguages()),
  fallbackLocale: DEFAULT_LOCALE,
  messages: { 'zh-CN': zhCN, en },
})

export function currentLocale() {
  return i18n.global.locale.value
}

/** Apply a locale to the page, Vant and vue-i18n; save it when the user chose it. */
export function applyLocale(locale, { save = false } = {}) {
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
