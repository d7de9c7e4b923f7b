// lwip-mbedtls-wasm for browsers: the same API as in Node; flows leave through a Wisp
// dialer (one WebSocket to a shim), since a page cannot open TCP sockets.
export { createNetwork, Network } from "./network.js";
export type { ConnectTcpOptions, ConnectTlsOptions, DeviceOptions, NetworkOptions } from "./network.js";
export { LmwError, isLmwError } from "./errors.js";
export type { ErrorLayer } from "./errors.js";
export type { ByteSocket, Dialer, DialedStream, DialedDatagrams, PeerCertificate, SocketInfo, TlsInfo } from "./socket-types.js";
export { StackSocket, StackListener } from "./stack-socket.js";
export { Stack } from "./stack.js";
export type { LogEntry, LogSource, StackOptions } from "./stack.js";
export { Netif, VirtualLink } from "./netif.js";
export type { FrameTap, NetifOptions } from "./netif.js";
export { TlsConfig, DEFAULT_CLIENT_CIPHERS } from "./tls-config.js";
export type { TlsClientOptions, TlsServerOptions, TlsVersion } from "./tls-config.js";
export { WispDialer } from "./wisp/dialer.js";
export type { WispDialerOptions } from "./wisp/dialer.js";
export { PcapWriter, KeyLog, summarizeFrame } from "./pcap.js";
export { runCClient } from "./c-client.js";
export { createFetch, socketInfoOf } from "./http/index.js";
export type { FetchClient, FetchOptions, FetchTiming, LmwFetch } from "./http/index.js";
export { BUNDLED_CA_COUNT } from "./generated/ca-bundle.js";
export { VERSION } from "./generated/version.js";
export { setModuleSource } from "./module.js";
export { concatBytes } from "./bytes.js";
