/**
 * Every page is its own chunk, loaded when first visited.
 *
 * meta: public (no login needed), guestOnly (only when logged out), role (the
 * role the page belongs to), titleKey (the navigation bar's title), tab (the
 * tab to highlight), parent (where the back arrow goes without history).
 */
import { housingPublicRoutes, housingRoleRoutes } from './housing.js'
import { venuePublicRoutes, venueRoleRoutes } from './venues.js'

const RoleLayout = () => import('@/layouts/RoleLayout.vue')

export const routes = [
  {
    path: '/login',
    name: 'login',
    component: () => import('@/views/auth/LoginView.vue'),
    meta: { public: true, guestOnly: true, titleKey: 'login.title' },
  },
  {
    path: '/mfa/enrol',
    name: 'mfa-enrol',
    component: () => import('@/views/auth/TotpEnrolView.vue'),
    meta: { titleKey: 'mfa.title' },
  },
  ...venuePublicRoutes,
  ...housingPublicRoutes,
  {
    path: '/',
    component: RoleLayout,
    children: [
      // Never shown: the guard sends it on to the active role's home.
      { path: '', name: 'home', component: { render: () => null } },
      {
        path: 'resident',
        name: 'resident-home',
        component: () => import('@/views/resident/ResidentHomeView.vue'),
        meta: { role: 'resident', titleKey: 'resident.title' },
      },
      {
        path: 'operator/venues',
        name: 'operator-venues',
        component: () => import('@/views/operator/VenuesView.vue'),
        meta: { role: 'operator', titleKey: 'operator.venuesTitle' },
      },
      {
        path: 'operator/properties',
        name: 'operator-properties',
        component: () => import('@/views/operator/PropertiesView.vue'),
        meta: { role: 'operator', titleKey: 'operator.propertiesTitle' },
      },
      {
        path: 'area/coverage',
        name: 'area-coverage',
        component: () => import('@/views/area/CoverageView.vue'),
        meta: { role: 'area_admin', titleKey: 'area.title' },
      },
      {
        path: 'officer/work',
        name: 'officer-work',
        component: () => import('@/views/officer/WorkView.vue'),
        meta: { role: 'officer', titleKey: 'officer.workTitle' },
      },
      {
        path: 'officer/people/new',
        name: 'officer-add-person',
        component: () => import('@/views/officer/AddPersonView.vue'),
        meta: { role: 'officer', titleKey: 'addPerson.title' },
      },
      {
        path: 'officer/corrections',
        name: 'officer-corrections',
        component: () => import('@/views/officer/CorrectionsView.vue'),
        meta: { role: 'officer', titleKey: 'corrections.queueTitle', tab: 'officer-work', parent: 'officer-work' },
      },
      {
        path: 'officer/people/:id',
        name: 'officer-person',
        component: () => import('@/views/account/PersonView.vue'),
        props: true,
        meta: {
          role: 'officer',
          titleKey: 'corrections.personTitle',
          tab: 'officer-work',
          parent: 'officer-corrections',
        },
      },
      {
        path: 'officer/dashboard',
        name: 'officer-dashboard',
        component: () => import('@/views/officer/DashboardView.vue'),
        meta: { role: 'officer', titleKey: 'officer.dashboardTitle' },
      },
      {
        path: 'sysadmin/accounts',
        name: 'sysadmin-accounts',
        component: () => import('@/views/sysadmin/AccountsView.vue'),
        meta: { role: 'sysadmin', titleKey: 'sysadmin.accountsTitle' },
      },
      {
        path: 'sysadmin/areas',
        name: 'sysadmin-areas',
        component: () => import('@/views/sysadmin/AreasView.vue'),
        meta: { role: 'sysadmin', titleKey: 'sysadmin.areasTitle' },
      },
      {
        path: 'sysadmin/devices',
        name: 'sysadmin-devices',
        component: () => import('@/views/sysadmin/DevicesView.vue'),
        meta: { role: 'sysadmin', titleKey: 'sysadmin.devicesTitle' },
      },
      ...venueRoleRoutes,
      ...housingRoleRoutes,
      {
        path: 'me',
        name: 'me',
        component: () => import('@/views/account/MeView.vue'),
        meta: { titleKey: 'me.title' },
      },
      {
        path: 'me/person',
        name: 'me-person',
        component: () => import('@/views/account/PersonView.vue'),
        meta: { role: 'resident', titleKey: 'person.title', tab: 'me', parent: 'me' },
      },
      {
        path: 'me/access-history',
        name: 'me-access-history',
        component: () => import('@/views/account/AccessHistoryView.vue'),
        meta: { role: 'resident', titleKey: 'access.title', tab: 'me', parent: 'me' },
      },
      {
        path: 'me/settings',
        name: 'me-settings',
        component: () => import('@/views/account/SettingsView.vue'),
        meta: { titleKey: 'settings.title', tab: 'me', parent: 'me' },
      },
      {
        path: 'pending',
        name: 'pending',
        component: () => import('@/views/account/PendingView.vue'),
        meta: { titleKey: 'pending.title', tab: 'me', parent: 'me' },
      },
    ],
  },
  {
    path: '/:pathMatch(.*)*',
    name: 'not-found',
    component: () => import('@/views/NotFoundView.vue'),
    meta: { public: true, titleKey: 'notFound.title' },
  },
]
