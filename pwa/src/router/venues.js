/**
 * One code (一个码): venue codes, registration at a workplace, staff, imports.
 * Public routes sit outside the role layout; role routes are its children.
 */
export const venuePublicRoutes = [
  {
    path: '/v/:token',
    name: 'venue-code',
    component: () => import('@/views/codes/CodeScanView.vue'),
    props: (route) => ({ kind: 'venue', token: route.params.token }),
    meta: { public: true, titleKey: 'codes.venueTitle' },
  },
]

export const venueRoleRoutes = []
