// lwip-mbedtls-wasm for browsers: the same API as in Node; flows leave through a Wisp
// dialer (one WebSocket to a shim), since a page cannot open TCP sockets.
export { createNetwork, Network } from "./network.js";
export type { ConnectTcpOptions, ConnectTlsOptions, DeviceOptions, NetworkOptions } from "./network.js";
export { ERROR_CODES, LmwError, isLmwError } from "./errors.js";
export type { ErrorCode, ErrorLayer, LwipErrorCode } from "./errors.js";
export type { ByteSocket, PeerCertificate, SocketInfo, TlsInfo } from "./device/socket-types.js";
export type { Dialer, DialedStream, DialedDatagrams } from "./dialer/types.js";
export { StackSocket } from "./device/socket.js";
export { StackListener } from "./device/listener.js";
export { Stack } from "./device/stack.js";
export type { LogEntry, LogSource, StackOptions } from "./device/stack.js";
export { Netif } from "./link/netif.js";
export type { NetifOptions } from "./link/netif.js";
export { VirtualLink } from "./link/virtual-link.js";
export { Switch } from "./link/switch.js";
export type { FrameTap, LinkEnd } from "./link/link-end.js";
export { TlsConfig, DEFAULT_CLIENT_CIPHERS } from "./device/tls-config.js";
export type { TlsClientOptions, TlsServerOptions, TlsVersion } from "./device/tls-config.js";
export { WispDialer } from "./dialer/wisp.js";
export type { WispDialerOptions } from "./dialer/wisp.js";
export { PcapWriter, KeyLog, summarizeFrame } from "./link/pcap.js";
export { runCClient } from "./apps/https-client.js";
export { createFetch, socketInfoOf } from "./http/index.js";
export type { FetchClient, FetchOptions, FetchTiming, LmwFetch } from "./http/index.js";
export { BUNDLED_CA_COUNT } from "./ffi/generated/ca-bundle.js";
export { VERSION } from "./ffi/generated/version.js";
export { setModuleSource } from "./ffi/module.js";
export { concatBytes } from "./bytes.js";
