/**
 * For a list read again whenever its filters change: two reads may be on their
 * way at once, and the older one may answer last. Each read begins with
 * `begin()`, which hands back a check that stays true only while no newer read
 * has begun; an answer that fails it is dropped instead of shown.
 */
export function useLatest() {
  let latest = 0

  return function begin() {
    const mine = ++latest
    return () => mine === latest
  }
}
