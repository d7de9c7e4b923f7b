// lwip-mbedtls-wasm for Node: everything the browser build has, plus the Node dialer
// (real sockets, the default) and the Wisp shim server.
export * from "./index.browser.js";
export { NodeDialer } from "./dialer/node.js";
export { toNodeDuplex } from "./node/duplex.js";
export type { SocketDuplex } from "./node/duplex.js";
export type { NodeDialerOptions } from "./dialer/node.js";
export { createShim } from "./shim/server.js";
export type { Shim, ShimOptions } from "./shim/server.js";
export { createToken, verifyToken } from "./shim/token.js";
export { createTestCa } from "./node/testca.js";
export { connectStreamLink, listenStreamLink, StreamLinkEnd } from "./link/stream-link.js";
export type { StreamLinkAddress, StreamLinkListener } from "./link/stream-link.js";
export { runPicoProgram } from "./pico/run.js";
export { parseForward } from "./router/forward.js";
export type { ActiveForward, ForwardRule } from "./router/forward.js";
export type { TestCa, TestCaOptions } from "./node/testca.js";
