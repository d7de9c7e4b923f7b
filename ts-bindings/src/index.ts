// lwip-mbedtls-wasm for Node: everything the browser build has, plus the Node dialer
// (real sockets, the default) and the Wisp shim server.
export * from "./index.browser.js";
export { NodeDialer } from "./dialers/node.js";
export { toNodeDuplex } from "./duplex.js";
export type { SocketDuplex } from "./duplex.js";
export type { NodeDialerOptions } from "./dialers/node.js";
export { createShim } from "./shim/server.js";
export type { Shim, ShimOptions } from "./shim/server.js";
export { createToken, verifyToken } from "./shim/token.js";
export { createTestCa } from "./cli/testca.js";
export type { TestCa, TestCaOptions } from "./cli/testca.js";
