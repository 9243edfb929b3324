/**
 * When to try the outbox again: at start, whenever the browser says it is
 * back online or the app comes back to the foreground, and every so often in
 * case the browser never said.
 */
export function startOutboxSync({ flush, canFlush, intervalMs = 30_000 }) {
  function run() {
    if (!canFlush()) return
    flush().catch((error) => console.warn('Outbox flush failed:', error))
  }

  function onVisibilityChange() {
    if (document.visibilityState === 'visible') run()
  }

  window.addEventListener('online', run)
  document.addEventListener('visibilitychange', onVisibilityChange)
  const timer = setInterval(run, intervalMs)
  run()

  return function stop() {
    window.removeEventListener('online', run)
    document.removeEventListener('visibilitychange', onVisibilityChange)
    clearInterval(timer)
  }
}
