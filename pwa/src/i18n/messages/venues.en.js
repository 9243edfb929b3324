// One code: top-level sections of their own, merged into en.js.
export default {}
