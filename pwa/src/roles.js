/**
 * What each role sees: its home, its tabs, and whether its work screens get
 * the wide desktop layout. Work roles come first when picking a default.
 */
export const ROLE_PRIORITY = ['officer', 'area_admin', 'operator', 'sysadmin', 'resident']

const ME_TAB = { route: 'me', label: 'tabs.me', icon: 'user-o' }

export const ROLES = {
  resident: {
    tabs: [{ route: 'resident-home', label: 'tabs.residentHome', icon: 'wap-home-o' }, ME_TAB],
  },
  operator: {
    tabs: [
      { route: 'operator-venues', label: 'tabs.venues', icon: 'shop-o' },
      { route: 'operator-properties', label: 'tabs.properties', icon: 'hotel-o' },
      ME_TAB,
    ],
  },
  area_admin: {
    tabs: [{ route: 'area-coverage', label: 'tabs.coverage', icon: 'cluster-o' }, ME_TAB],
  },
  officer: {
    wide: true,
    tabs: [
      { route: 'officer-work', label: 'tabs.work', icon: 'todo-list-o' },
      { route: 'officer-dashboard', label: 'tabs.dashboard', icon: 'bar-chart-o' },
      ME_TAB,
    ],
  },
  sysadmin: {
    wide: true,
    tabs: [
      { route: 'sysadmin-accounts', label: 'tabs.accounts', icon: 'friends-o' },
      { route: 'sysadmin-areas', label: 'tabs.areas', icon: 'location-o' },
      { route: 'sysadmin-devices', label: 'tabs.devices', icon: 'lock' },
      ME_TAB,
    ],
  },
}

export function homeRouteFor(role) {
  return ROLES[role]?.tabs[0].route ?? 'me'
}

export function preferredRole(roles) {
  return ROLE_PRIORITY.find((role) => roles.includes(role)) ?? null
}
