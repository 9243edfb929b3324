import { createPinia } from 'pinia'
import { createApp, watch } from 'vue'

import App from './App.vue'
import { api } from './api'
import { applyLocale, currentLocale, i18n, initialLocale } from './i18n'
import { startOutboxSync } from './offline/sync.js'
import { createAppRouter } from './router'
import { useOutboxStore } from './stores/outbox.js'
import { resetPlugin } from './stores/reset.js'
import { useSessionStore } from './stores/session.js'

import './styles/theme.css'
import './styles/base.css'

const app = createApp(App)
const pinia = createPinia()
pinia.use(resetPlugin)
app.use(pinia)
app.use(i18n)

const router = createAppRouter()
const session = useSessionStore(pinia)
const outbox = useOutboxStore(pinia)
let routerReady = false

api.configure({
  getAccessToken: () => session.accessToken,
  getLocale: currentLocale,
  refreshSession: () => session.refresh(),
  onSessionEnded() {
    session.end()
    // During the first navigation the guard itself sends the user to login.
    const here = router.currentRoute.value
    if (!routerReady || here.meta.public) return
    router.replace({ name: 'login', query: { redirect: here.fullPath, expired: '1' } })
  },
})

// The outbox belongs to the logged-in account, and is sent as soon as it may be.
watch(
  () => session.me?.id,
  async (accountId) => {
    if (!accountId) return
    await outbox.claim(accountId)
    await outbox.flush()
  },
)

startOutboxSync({
  flush: () => outbox.flush(),
  canFlush: () => session.isAuthenticated && outbox.owner !== null && navigator.onLine !== false,
})

app.use(router)
router.isReady().then(() => {
  routerReady = true
})
// Mounted in the user's language: English is fetched first when it is theirs.
applyLocale(initialLocale()).finally(() => app.mount('#app'))
