import { onBeforeUnmount, onMounted, ref } from 'vue'

/** Whether the browser believes it is online; a hint only, never a promise. */
export function useOnline() {
  const online = ref(typeof navigator === 'undefined' || navigator.onLine !== false)

  const update = () => {
    online.value = navigator.onLine !== false
  }

  onMounted(() => {
    window.addEventListener('online', update)
    window.addEventListener('offline', update)
  })
  onBeforeUnmount(() => {
    window.removeEventListener('online', update)
    window.removeEventListener('offline', update)
  })

  return online
}
