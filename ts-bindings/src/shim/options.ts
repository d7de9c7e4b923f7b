// The shim's public types: its options (with their defaults and limits), its stats, the
// Shim handle.
//
// Memory is bounded in bytes, at three levels (see limits.ts for how each is enforced):
// - per stream: client data queued for one target (streamBufferBytes, plus at most one
//   packet, itself at most maxPacketBytes);
// - per connection: everything one WebSocket holds — queues to its targets, bytes sent to
//   it and not yet flushed, a message still arriving (connectionBufferBytes);
// - overall: the sum over all connections (totalBufferBytes).

import * as path from "node:path";
import { LmwError } from "../errors.js";
import type { ShimLogger } from "./logger.js";
import type { PortRule } from "./address.js";

export type LookupFn = (hostname: string) => Promise<Array<{ address: string; family: number }>>;

export interface ShimOptions {
  /** Address to listen on. Default 127.0.0.1. */
  host?: string;
  /** Port to listen on. Default 0 (any free port). */
  port?: number;
  /** URL path of the Wisp endpoint; must end in "/". Default "/wisp/". */
  path?: string;
  /** Let streams reach 127/8, ::1, 0.0.0.0, ::. Default false. */
  allowLoopback?: boolean;
  /** Let streams reach RFC 1918, CGNAT, link-local, unique-local. Default false. */
  allowPrivate?: boolean;
  /** If set, only these hosts may be dialled: names, `*.example.com`, addresses, CIDR
   *  blocks (`203.0.113.0/24`). Narrows, never widens the address policy. */
  allowHosts?: string[];
  /** Hosts never dialled, same forms; matched against the requested name and every
   *  address it resolves to. */
  denyHosts?: string[];
  /** If set, only these ports (numbers or [from, to]) may be dialled. */
  allowPorts?: PortRule[];
  denyPorts?: PortRule[];
  /** Browser origins allowed to connect (e.g. "https://app.example"); "*" allows any.
   *  Default: the shim's own origin, and only where that is safe (see server.ts). */
  origins?: string[];
  /** Enables token auth (see createToken and token.ts for the semantics). */
  tokenSecret?: string | Uint8Array;
  /** A token opens one WebSocket only. Default false (multi-use until it expires). */
  singleUseTokens?: boolean;
  /** Allow UDP streams. Default true. */
  allowUdp?: boolean;
  /** Serve Wisp v2 (INFO, extensions) to clients that ask with the `wisp-v2` subprotocol. Default true. */
  wispV2?: boolean;
  /** Wisp v2 MOTD extension: a message shown to clients. */
  motd?: string;
  /** Wisp v2 password authentication: username -> password. When set, every Wisp
   *  connection must authenticate (v1 clients cannot, and are refused with CLOSE 0xc2). */
  passwords?: Record<string, string>;
  /** With `passwords`: deadline for a client's INFO and its credentials. Default 5 s. */
  handshakeTimeoutMs?: number;
  /** Open streams per WebSocket (streams still flushing after the client's CLOSE count). Default 64. */
  maxStreamsPerConnection?: number;
  /** WebSockets in total. Default 512. */
  maxConnections?: number;
  /** WebSockets per client address. Default 32. */
  maxConnectionsPerIp?: number;
  /** With `passwords`: WebSockets not yet authenticated; they hold no connection slot.
   *  Default 64. */
  maxHandshakes?: number;
  /** Wisp flow-control credit, in packets, per stream. Default 128. */
  bufferPackets?: number;
  /** Largest DATA payload accepted; a larger packet closes its stream (CLOSE 0x49), and
   *  a WebSocket message over twice this closes the WebSocket (1009). Default 8 MiB. */
  maxPacketBytes?: number;
  /** Client bytes queued for one target before the stream stops getting credit. Default 1 MiB. */
  streamBufferBytes?: number;
  /** Bytes one WebSocket may hold before the shim stops reading it. Default 16 MiB. */
  connectionBufferBytes?: number;
  /** Bytes all connections together may hold; past it, the connection holding the most is dropped. Default 512 MiB. */
  totalBufferBytes?: number;
  /** Bytes waiting for the client above which target sockets are paused. Default 1 MiB. */
  highWaterMark?: number;
  /** Name lookups in flight overall / per connection / per client address. Defaults 8 / 2 / 4. */
  maxLookups?: number;
  maxLookupsPerConnection?: number;
  maxLookupsPerIp?: number;
  /** Lookups waiting per connection; past it, CLOSE 0x49. Default 16. */
  maxQueuedLookups?: number;
  /** Name lookup timeout (CLOSE 0x43). Default 5 s. */
  lookupTimeoutMs?: number;
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Close a stream with 0x47 after this long with no data either way. Default 5 min; 0 disables. */
  idleTimeoutMs?: number;
  /** Keep-alive tick: a peer that misses a pong, or a paused connection that made no
   *  progress for a whole tick, is dropped. Default 30 s; 0 disables. */
  pingIntervalMs?: number;
  /** How long a WebSocket close handshake may take before the socket is destroyed. Default 2 s. */
  closeTimeoutMs?: number;
  /** Serve static files from this directory (index.html at /). */
  staticDir?: string;
  logger?: ShimLogger;
  /** Name resolution (default: dns.lookup, all addresses). Injectable for tests. */
  lookup?: LookupFn;
}

export interface StreamStats {
  connectionId: number;
  streamId: number;
  kind: "tcp" | "udp" | "raw";
  host: string;
  port: number;
  state: string;
  /** Bytes handed to the WebSocket for this stream and not yet flushed to the client's socket. */
  pendingToClientBytes: number;
  /** The highest pendingToClientBytes seen. */
  maxPendingToClientBytes: number;
  /** Client data queued here waiting for the target socket. */
  queuedToTargetBytes: number;
  queuedToTargetPackets: number;
  /** How many times the target socket was paused because the client is slow. */
  pauseCount: number;
  paused: boolean;
}

export interface ConnectionStats {
  id: number;
  /** Bytes this connection holds (queues to targets, unflushed output, a partial message). */
  bufferedBytes: number;
  /** The largest Wisp packet (message) this client has sent. */
  maxPacketBytesSeen: number;
  readPaused: boolean;
  /** Streams the client closed whose target is still being flushed. */
  draining: number;
}

export interface ShimStats {
  connections: number;
  streams: StreamStats[];
  connectionStats: ConnectionStats[];
  /** Bytes held by all connections (bounded by totalBufferBytes). */
  bufferedBytes: number;
  /** Name lookups running now. */
  lookupsInFlight: number;
  /** WebSockets not yet authenticated (with `passwords`). */
  handshakes: number;
}

export interface Shim {
  /** ws://host:port/wisp/ */
  readonly url: string;
  readonly port: number;
  readonly address: string;
  stats(): ShimStats;
  /** Closes every stream (CLOSE 0x02), every WebSocket and the HTTP server; resolves when all are gone. */
  close(): Promise<void>;
}

/** The options with every default filled in. */
export type ResolvedOptions = Required<
  Omit<
    ShimOptions,
    "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir" | "logger" | "lookup" | "motd" | "passwords"
  >
> &
  Pick<ShimOptions, "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir" | "motd" | "passwords">;

const MiB = 1024 * 1024;

function checkOrigins(origins: string[] | undefined): void {
  for (const o of origins ?? []) {
    const bad = (why: string) => new LmwError("ERR_INVALID_ARG", `origin ${JSON.stringify(o)}: ${why}`, { layer: "shim" });
    if (o === "*") continue;
    if (o !== o.trim() || /\s/.test(o)) throw bad("contains white space");
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw bad("not a URL origin (scheme://host[:port])");
    }
    if (u.origin !== o.replace(/\/$/, "")) throw bad(`not an origin; did you mean ${u.origin}?`);
  }
}

export function resolveOptions(options: ShimOptions): ResolvedOptions {
  const path_ = options.path ?? "/wisp/";
  if (!path_.startsWith("/") || !path_.endsWith("/")) throw new TypeError("path must start and end with '/'");
  checkOrigins(options.origins);
  const maxPacketBytes = options.maxPacketBytes ?? 8 * MiB;
  return {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    path: path_,
    allowLoopback: options.allowLoopback ?? false,
    allowPrivate: options.allowPrivate ?? false,
    allowUdp: options.allowUdp ?? true,
    wispV2: options.wispV2 ?? true,
    handshakeTimeoutMs: options.handshakeTimeoutMs ?? 5_000,
    singleUseTokens: options.singleUseTokens ?? false,
    maxStreamsPerConnection: options.maxStreamsPerConnection ?? 64,
    maxConnections: options.maxConnections ?? 512,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 32,
    maxHandshakes: options.maxHandshakes ?? 64,
    bufferPackets: Math.max(2, Math.floor(options.bufferPackets ?? 128)),
    maxPacketBytes,
    streamBufferBytes: options.streamBufferBytes ?? 1 * MiB,
    connectionBufferBytes: options.connectionBufferBytes ?? 16 * MiB,
    totalBufferBytes: options.totalBufferBytes ?? 512 * MiB,
    highWaterMark: options.highWaterMark ?? 1 * MiB,
    maxLookups: options.maxLookups ?? 8,
    maxLookupsPerConnection: options.maxLookupsPerConnection ?? 2,
    maxLookupsPerIp: options.maxLookupsPerIp ?? 4,
    maxQueuedLookups: options.maxQueuedLookups ?? 16,
    lookupTimeoutMs: options.lookupTimeoutMs ?? 5_000,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    closeTimeoutMs: options.closeTimeoutMs ?? 2_000,
    allowHosts: options.allowHosts,
    denyHosts: options.denyHosts,
    allowPorts: options.allowPorts,
    denyPorts: options.denyPorts,
    origins: options.origins,
    tokenSecret: options.tokenSecret,
    staticDir: options.staticDir ? path.resolve(options.staticDir) : undefined,
    motd: options.motd,
    passwords: options.passwords,
  };
}
