import { computed, onBeforeUnmount, ref } from 'vue'

/** Seconds left before something may be done again (an SMS resend, a 429). */
export function useCountdown() {
  const seconds = ref(0)
  let timer = null

  function stop() {
    clearInterval(timer)
    timer = null
  }

  function start(total) {
    stop()
    seconds.value = Math.max(0, Math.ceil(total))
    if (!seconds.value) return
    timer = setInterval(() => {
      seconds.value -= 1
      if (seconds.value <= 0) stop()
    }, 1000)
  }

  onBeforeUnmount(stop)

  return { seconds, running: computed(() => seconds.value > 0), start, stop }
}
