/**
 * Logout must leave nothing of the user behind. This Pinia plugin remembers
 * each store's first state, so every store can be put back at once.
 */
const resetters = new Set()

export function resetPlugin({ store }) {
  const initial = JSON.parse(JSON.stringify(store.$state))
  resetters.add(() => {
    store.$patch((state) => {
      for (const key of Object.keys(state)) delete state[key]
      Object.assign(state, JSON.parse(JSON.stringify(initial)))
    })
  })
}

export function resetAllStores() {
  for (const reset of resetters) reset()
}
