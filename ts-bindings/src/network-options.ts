// What a Network is made with and what its connections take: the options of
// createNetwork, connectTcp and connectTls, and the check of a host and port.
import { LmwError } from "./errors.js";
import type { ConnectToRule, ResolveRule } from "./dialer/mapping.js";
import type { Dialer } from "./dialer/types.js";
import type { LogEntry } from "./device/stack.js";
import type { TlsClientOptions } from "./device/tls-config.js";
import type { FetchOptions } from "./http/index.js";
import type { FrameTap } from "./link/link-end.js";
import type { VirtualClock } from "./router/deterministic.js";
import type { ForwardRule } from "./router/forward.js";

export interface DeviceOptions {
  ip?: string;
  netmask?: string;
  gateway?: string;
  dns?: string;
  mac?: string;
  /** Get the address from the router's DHCP server with lwIP's own DHCP client (the
   *  DISCOVER/OFFER/REQUEST/ACK exchange is on the link) instead of using `ip`. */
  dhcp?: boolean;
}

export interface NetworkOptions {
  /** Where flows go. Default in Node: NodeDialer (real sockets). Required in browsers. */
  dialer?: Dialer;
  /** Defaults for every TLS connection (ca, alpn, versions, ciphers, ...). */
  tls?: TlsClientOptions;
  /** Device addresses (QEMU user-networking defaults: 10.0.2.15/24, gw .2, DNS .3).
   *  `false`: no device of the library's own; the router (10.0.2.2/24, DNS 10.0.2.3)
   *  serves whatever `attach()` puts on the LAN. */
  device?: DeviceOptions | false;
  /** Debug output of lwIP / Mbed TLS (levels 0-4) to onLog. The device stack then loads
   *  the debug module (lmw_debug.wasm), the only one with debug output compiled in. */
  debug?: { lwip?: boolean; mbedtls?: number };
  onLog?: (entry: LogEntry) => void;
  /** Sees every Ethernet frame on the LAN (a pcap writer, the playground). */
  onFrame?: FrameTap;
  /** Default timeouts in ms: TCP connect, TLS handshake (each 30000). */
  timeouts?: { connect?: number; handshake?: number };
  /** fetch's options: pool size, idle/headers/body timeouts, user agent, redirects. */
  http?: FetchOptions;
  /** Resume TLS sessions per server name, port and configuration (default true). */
  tlsSessionCache?: boolean;
  /** The device-router link's MTU. Default: the largest the build allows
   *  (`stack.constant("FAST_LINK_MTU")`), which moves bulk data in a fraction of the frames;
   *  1500 gives the segments (MSS 1460) a device on Ethernet or Wi-Fi would see. Once
   *  another station joins the LAN (attach), the LAN runs at 1500 with checksums. */
  linkMtu?: number;
  /** QEMU's hostfwd (Node only): listeners on 127.0.0.1:hostPort whose connections and
   *  datagrams reach a station's port, opened by the router. "[tcp:|udp:]HOSTPORT:DEVICEPORT"
   *  strings (parseForward) or { proto, hostPort, devicePort, deviceIp? }; the station is
   *  the device's address by default (10.0.2.15). See Network.forwards for the ports. */
  forward?: ReadonlyArray<string | ForwardRule>;
  /** The router's UDP flows: closed after `idleTimeout` ms without a datagram (default
   *  60000), at most `max` open (default 1024; the least recently used gives way). */
  udpFlows?: { idleTimeout?: number; max?: number };
  /** Deterministic network side: the router stack gets randomness seeded with `seed` and a
   *  virtual clock (`net.clock`, or the one given) that moves only when advanced, so two
   *  runs with the same seed and the same frames from the stations get the same frames
   *  from the router. The library's own device (if any) keeps the host's time. */
  deterministic?: { seed: number; clock?: VirtualClock };
  /** curl's --resolve for every TCP and UDP flow: "HOST:PORT:ADDR[,ADDR...]" or
   *  { host, port, addresses }. The name still goes in SNI and Host (dialer/mapping.ts). */
  resolve?: ReadonlyArray<string | ResolveRule>;
  /** curl's --connect-to for every TCP and UDP flow: "HOST1:PORT1:HOST2:PORT2" (empty
   *  fields: any / unchanged) or { host?, port?, toHost?, toPort? }. Applied before resolve. */
  connectTo?: ReadonlyArray<string | ConnectToRule>;
}

export interface ConnectTcpOptions {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** ms; ERR_TIMEOUT_CONNECT when exceeded. */
  connectTimeout?: number;
}

export interface ConnectTlsOptions extends ConnectTcpOptions, TlsClientOptions {
  /** SNI and the name checked against the certificate; default: host. */
  servername?: string;
  /** ms for the handshake; ERR_TIMEOUT_HANDSHAKE when exceeded. */
  handshakeTimeout?: number;
}

export function checkTarget(host: unknown, port: unknown): void {
  if (typeof host !== "string" || host.length === 0 || host.length > 253 || /[\s\0]/.test(host)) {
    throw new LmwError("ERR_INVALID_ARG", `bad host ${JSON.stringify(host)}`, { layer: "api" });
  }
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw new LmwError("ERR_INVALID_ARG", `bad port ${String(port)} (1-65535)`, { layer: "api" });
  }
}

