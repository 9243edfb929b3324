/**
 * One code (一个码): venue codes, registration at a workplace, staff, imports.
 * Public routes sit outside the role layout; role routes are its children.
 */
const VenueDetailView = () => import('@/views/operator/VenueDetailView.vue')
const VenueCreateView = () => import('@/views/operator/VenueCreateView.vue')
const StaffAddView = () => import('@/views/operator/StaffAddView.vue')
const ImportView = () => import('@/views/operator/ImportView.vue')
const BulkVenuesView = () => import('@/views/area/BulkVenuesView.vue')

export const venuePublicRoutes = [
  {
    path: '/v/:token',
    name: 'venue-code',
    component: () => import('@/views/codes/VenueCodeView.vue'),
    props: (route) => ({ token: route.params.token }),
    meta: { public: true, titleKey: 'codes.venueTitle' },
  },
]

/** A venue's pages, for each role that manages venues: <prefix>-venue, … */
function venuePages(prefix, role, home, tab = home) {
  return [
    {
      path: `${prefix}/venues/new`,
      name: `${prefix}-venue-new`,
      component: VenueCreateView,
      meta: { role, titleKey: 'venue.createTitle', tab, parent: home },
    },
    {
      path: `${prefix}/venues/:id`,
      name: `${prefix}-venue`,
      component: VenueDetailView,
      props: true,
      meta: { role, titleKey: 'venue.title', tab, parent: home },
    },
    {
      path: `${prefix}/venues/:id/staff/new`,
      name: `${prefix}-staff-add`,
      component: StaffAddView,
      props: true,
      meta: { role, titleKey: 'staff.addTitle', tab, parent: home },
    },
    {
      path: `${prefix}/venues/:id/import`,
      name: `${prefix}-import`,
      component: ImportView,
      props: true,
      meta: { role, titleKey: 'imports.title', tab, parent: home },
    },
  ]
}

export const venueRoleRoutes = [
  ...venuePages('operator', 'operator', 'operator-venues'),
  ...venuePages('area', 'area_admin', 'area-coverage'),
  ...venuePages('officer', 'officer', 'officer-venues', 'officer-work'),
  {
    path: 'area/venues/bulk',
    name: 'area-venues-bulk',
    component: BulkVenuesView,
    meta: { role: 'area_admin', titleKey: 'coverage.bulkTitle', tab: 'area-coverage', parent: 'area-coverage' },
  },
  // The officer's jurisdiction: the same page as the area admin's.
  {
    path: 'officer/venues',
    name: 'officer-venues',
    component: () => import('@/views/area/CoverageView.vue'),
    meta: { role: 'officer', titleKey: 'coverage.officerTitle', tab: 'officer-work', parent: 'officer-work' },
  },
  {
    path: 'officer/venues/bulk',
    name: 'officer-venues-bulk',
    component: BulkVenuesView,
    meta: { role: 'officer', titleKey: 'coverage.bulkTitle', tab: 'officer-work', parent: 'officer-venues' },
  },
  {
    path: 'officer/employments',
    name: 'officer-employments',
    component: () => import('@/views/officer/EmploymentsView.vue'),
    meta: { role: 'officer', titleKey: 'employments.pageTitle', tab: 'officer-work', parent: 'officer-work' },
  },
  {
    path: 'me/employments',
    name: 'resident-my-employments',
    component: () => import('@/views/resident/MyEmploymentsView.vue'),
    meta: { role: 'resident', titleKey: 'myJobs.title', tab: 'resident-home', parent: 'resident-home' },
  },
  {
    path: 'me/share-codes',
    name: 'resident-share-codes',
    component: () => import('@/views/resident/ShareCodesView.vue'),
    meta: { role: 'resident', titleKey: 'shareCodes.title', tab: 'resident-home', parent: 'resident-home' },
  },
]
