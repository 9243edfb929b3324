/**
 * One lock (一把锁): properties, rooms, tenancies, locks and the tenant's key.
 * Public routes sit outside the role layout; role routes are its children.
 */
export const housingPublicRoutes = [
  {
    path: '/r/:token',
    name: 'room-code',
    component: () => import('@/views/codes/RoomCodeView.vue'),
    props: true,
    meta: { public: true, titleKey: 'roomCode.title' },
  },
]

const landlord = { role: 'operator', tab: 'operator-properties', parent: 'operator-properties' }

export const housingRoleRoutes = [
  {
    path: 'operator/properties/:id',
    name: 'operator-property',
    component: () => import('@/views/operator/PropertyView.vue'),
    props: true,
    meta: { ...landlord, titleKey: 'property.detailTitle' },
  },
  {
    path: 'operator/rooms/:id',
    name: 'operator-room',
    component: () => import('@/views/operator/RoomView.vue'),
    props: true,
    meta: { ...landlord, titleKey: 'room.title' },
  },
  {
    path: 'operator/rooms/:id/check-in',
    name: 'operator-check-in',
    component: () => import('@/views/operator/CheckInView.vue'),
    props: true,
    meta: { ...landlord, titleKey: 'checkIn.title' },
  },
  {
    path: 'operator/tenancies',
    name: 'operator-tenancies',
    component: () => import('@/views/operator/TenanciesView.vue'),
    meta: { ...landlord, titleKey: 'tenancy.listTitle' },
  },
  {
    path: 'operator/tenancies/:id',
    name: 'operator-tenancy',
    component: () => import('@/views/operator/TenancyView.vue'),
    props: true,
    meta: { ...landlord, titleKey: 'tenancy.title' },
  },
  {
    path: 'resident/room',
    name: 'resident-room',
    component: () => import('@/views/resident/MyRoomView.vue'),
    meta: {
      role: 'resident',
      tab: 'resident-home',
      parent: 'resident-home',
      titleKey: 'myRoom.title',
    },
  },
  {
    path: 'officer/occupancy',
    name: 'officer-occupancy',
    component: () => import('@/views/officer/OccupancyView.vue'),
    meta: { role: 'officer', tab: 'officer-work', parent: 'officer-work', titleKey: 'occupancy.title' },
  },
  {
    path: 'officer/lock-alerts',
    name: 'officer-lock-alerts',
    component: () => import('@/views/officer/LockAlertsView.vue'),
    meta: {
      role: 'officer',
      tab: 'officer-work',
      parent: 'officer-work',
      titleKey: 'lockAlert.title',
    },
  },
]
