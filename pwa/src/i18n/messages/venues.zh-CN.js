// One code: top-level sections of their own, merged into zh-CN.js.
export default {}
