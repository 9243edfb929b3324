import { createRouter, createWebHistory } from 'vue-router'

import { homeRouteFor } from '@/roles.js'
import { useSessionStore } from '@/stores/session.js'

import { routes } from './routes.js'

/** Only a path on this site may be a place to return to after login. */
export function safeRedirect(value) {
  if (typeof value !== 'string') return null
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return null
  return value
}

export function createAppRouter() {
  const router = createRouter({
    history: createWebHistory(),
    routes,
    scrollBehavior: (to, from, saved) => saved ?? { top: 0 },
  })

  router.beforeEach(async (to) => {
    const session = useSessionStore()
    if (session.status === 'unknown') await session.restore()

    if (to.meta.guestOnly && session.isAuthenticated) {
      return safeRedirect(to.query.redirect) ?? { name: 'home' }
    }
    if (to.meta.public) return true
    if (!session.isAuthenticated) {
      return { name: 'login', query: { redirect: to.fullPath } }
    }
    if (session.mfaEnrolmentRequired && to.name !== 'mfa-enrol') {
      return { name: 'mfa-enrol', query: { redirect: to.fullPath } }
    }
    if (to.name === 'home') return { name: homeRouteFor(session.activeRole), replace: true }

    const role = to.meta.role
    if (role && !session.roles.includes(role)) return { name: 'home', replace: true }
    if (role && role !== session.activeRole) session.switchRole(role)
    return true
  })

  return router
}
