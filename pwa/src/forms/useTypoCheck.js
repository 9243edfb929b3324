import { reactive } from 'vue'
import { useI18n } from 'vue-i18n'

/**
 * A form's own typo check beside the server's answer: `check(typos)` keeps
 * the typos found (message keys by field) and says whether there were any;
 * `errorOf(field)` shows a typo first, else what the server said.
 */
export function useTypoCheck(fieldError) {
  const { t } = useI18n()
  const shown = reactive({})

  function check(typos) {
    for (const key of Object.keys(shown)) delete shown[key]
    for (const [field, key] of Object.entries(typos)) shown[field] = t(key)
    return Object.keys(shown).length > 0
  }

  function errorOf(field) {
    return shown[field] || fieldError(field)
  }

  return { check, errorOf }
}
