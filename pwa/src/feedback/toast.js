import { ref } from 'vue'

/**
 * A short message that goes away by itself, read out by screen readers
 * (AppToast renders it in a live region). For confirmations only: anything
 * the user must act on is shown in the page instead.
 */
export const toastMessage = ref('')

let timer = null

export function toast(message, durationMs = 2500) {
  toastMessage.value = message
  clearTimeout(timer)
  timer = setTimeout(() => {
    toastMessage.value = ''
  }, durationMs)
}
