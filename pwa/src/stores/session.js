import { defineStore } from 'pinia'
import { computed, ref } from 'vue'

import { ApiProblem, OfflineError, api } from '@/api'
import { forgetLocalData } from '@/offline/forget.js'
import { preferredRole } from '@/roles.js'

const ROLE_STORAGE_KEY = 'anju.role'
const RETRY_REFRESH_MS = 30_000

function refreshDelayMs(expiresIn) {
  // Renew a minute before expiry, or halfway for short-lived tokens.
  return Math.max(expiresIn - 60, expiresIn / 2, 1) * 1000
}

function savedRole() {
  try {
    return sessionStorage.getItem(ROLE_STORAGE_KEY)
  } catch {
    return null
  }
}

/**
 * Who is logged in. The access token lives here, in memory only; the refresh
 * token is an HttpOnly cookie the app never sees.
 */
export const useSessionStore = defineStore('session', () => {
  const status = ref('unknown') // unknown → anonymous | authenticated
  const accessToken = ref(null)
  const expiresAt = ref(0)
  const mfaEnrolmentRequired = ref(false)
  const me = ref(null)
  const activeRole = ref(null)
  const unreachable = ref(false)

  const isAuthenticated = computed(() => status.value === 'authenticated')
  const roles = computed(() => me.value?.roles ?? [])

  /** The places a role may act on, from the account's grants. */
  function scopesOf(role, scopeKind) {
    const grants = me.value?.grants ?? []
    return grants.filter((grant) => grant.role === role && grant.scope_kind === scopeKind)
  }

  let refreshTimer = null
  let refreshing = null

  function scheduleRefresh(delayMs) {
    clearTimeout(refreshTimer)
    refreshTimer = setTimeout(quietRefresh, delayMs)
  }

  async function quietRefresh() {
    try {
      await refresh()
    } catch {
      scheduleRefresh(RETRY_REFRESH_MS) // offline: the token may still be good
    }
  }

  function acceptTokens(answer) {
    accessToken.value = answer.access_token
    expiresAt.value = Date.now() + answer.expires_in * 1000
    mfaEnrolmentRequired.value = Boolean(answer.mfa_enrolment_required)
    status.value = 'authenticated'
    unreachable.value = false
    scheduleRefresh(refreshDelayMs(answer.expires_in))
  }

  /** The session is over: drop what proves it, keep the offline data. */
  function end() {
    clearTimeout(refreshTimer)
    accessToken.value = null
    expiresAt.value = 0
    me.value = null
    activeRole.value = null
    mfaEnrolmentRequired.value = false
    status.value = 'anonymous'
  }

  /** Renew the access token from the cookie; false when the session is over. */
  function refresh() {
    refreshing ??= api
      .post('/auth/refresh', undefined, { auth: false })
      .then((answer) => {
        acceptTokens(answer)
        return true
      })
      .catch((error) => {
        if (error instanceof ApiProblem && [400, 401, 403].includes(error.status)) {
          end()
          return false
        }
        throw error
      })
      .finally(() => {
        refreshing = null
      })
    return refreshing
  }

  function switchRole(role) {
    if (!roles.value.includes(role)) return
    activeRole.value = role
    try {
      sessionStorage.setItem(ROLE_STORAGE_KEY, role)
    } catch {
      // The choice then lasts until reload.
    }
  }

  async function loadMe() {
    me.value = await api.get('/me')
    const saved = savedRole()
    switchRole(roles.value.includes(saved) ? saved : preferredRole(roles.value))
  }

  async function completeLogin(answer) {
    acceptTokens(answer)
    if (!mfaEnrolmentRequired.value) await loadMe()
  }

  /** At start: is there a session behind the refresh cookie? */
  async function restore() {
    try {
      if ((await refresh()) && !mfaEnrolmentRequired.value) await loadMe()
    } catch (error) {
      end()
      unreachable.value = error instanceof OfflineError
      if (!unreachable.value) console.warn('Session not restored:', error)
    }
  }

  async function loginWithSms({ phone, code }) {
    const answer = await api.post('/auth/tokens/sms', { phone, code }, { auth: false })
    await completeLogin(answer)
  }

  async function loginWithPassword({ phone, password, totpCode, recoveryCode }) {
    const body = { phone, password }
    if (totpCode) body.totp_code = totpCode
    if (recoveryCode) body.recovery_code = recoveryCode
    const answer = await api.post('/auth/tokens/password', body, { auth: false })
    await completeLogin(answer)
  }

  /** After TOTP enrolment the token may carry the old limits: renew it, then load. */
  async function finishEnrolment() {
    mfaEnrolmentRequired.value = false
    await refresh().catch(() => true)
    await loadMe()
  }

  async function logout() {
    const token = accessToken.value
    try {
      await api.post('/auth/logout', undefined, {
        auth: false,
        headers: token ? { Authorization: `Bearer ${token}` } : {},
      })
    } catch (error) {
      // Offline or already over: the cookie expires on its own; forget locally anyway.
      console.warn('Logout not confirmed by the server:', error)
    }
    end()
    await forgetLocalData()
    status.value = 'anonymous'
  }

  return {
    status,
    accessToken,
    expiresAt,
    mfaEnrolmentRequired,
    me,
    activeRole,
    unreachable,
    isAuthenticated,
    roles,
    scopesOf,
    refresh,
    restore,
    end,
    loadMe,
    switchRole,
    loginWithSms,
    loginWithPassword,
    finishEnrolment,
    logout,
  }
})
