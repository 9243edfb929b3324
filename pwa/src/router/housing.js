/**
 * One lock (一把锁): properties, rooms, tenancies, locks and the tenant's key.
 * Public routes sit outside the role layout; role routes are its children.
 */
export const housingPublicRoutes = [
  {
    path: '/r/:token',
    name: 'room-code',
    component: () => import('@/views/codes/CodeScanView.vue'),
    props: (route) => ({ kind: 'room', token: route.params.token }),
    meta: { public: true, titleKey: 'codes.roomTitle' },
  },
]

export const housingRoleRoutes = []
