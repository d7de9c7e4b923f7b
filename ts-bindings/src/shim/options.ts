// The shim's public types: its options, its stats, the Shim handle.

import * as path from "node:path";
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
  /** If set, only these hosts (exact, or `*.example.com`) may be dialled. Narrows, never widens the address policy. */
  allowHosts?: string[];
  /** Hosts never dialled (matched against the requested name and the resolved addresses). */
  denyHosts?: string[];
  /** If set, only these ports (numbers or [from, to]) may be dialled. */
  allowPorts?: PortRule[];
  denyPorts?: PortRule[];
  /** Browser origins allowed to connect (e.g. "https://app.example"); "*" allows any.
   *  Default: the shim's own origin only. */
  origins?: string[];
  /** Enables token auth (see createToken). */
  tokenSecret?: string | Uint8Array;
  /** Allow UDP streams. Default true. */
  allowUdp?: boolean;
  /** Open streams per WebSocket. Default 64. */
  maxStreamsPerConnection?: number;
  /** WebSockets in total. Default 512. */
  maxConnections?: number;
  /** WebSockets per client address. Default 32. */
  maxConnectionsPerIp?: number;
  /** Wisp flow-control buffer, in packets, per stream. Default 128. */
  bufferPackets?: number;
  /** WebSocket bufferedAmount above which target sockets are paused. Default 1 MiB. */
  highWaterMark?: number;
  /** Largest WebSocket message accepted. Default 64 KiB. */
  maxPayload?: number;
  /** TCP connect timeout. Default 10 s. */
  connectTimeoutMs?: number;
  /** Close a stream with 0x47 after this long with no data either way. Default 5 min; 0 disables. */
  idleTimeoutMs?: number;
  /** WebSocket ping interval; a peer that misses one is terminated. Default 30 s; 0 disables. */
  pingIntervalMs?: number;
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

export interface ShimStats {
  connections: number;
  streams: StreamStats[];
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
  Omit<ShimOptions, "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir" | "logger" | "lookup">
> &
  Pick<ShimOptions, "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir">;

export function resolveOptions(options: ShimOptions): ResolvedOptions {
  const path_ = options.path ?? "/wisp/";
  if (!path_.startsWith("/") || !path_.endsWith("/")) throw new TypeError("path must start and end with '/'");
  return {
    host: options.host ?? "127.0.0.1",
    port: options.port ?? 0,
    path: path_,
    allowLoopback: options.allowLoopback ?? false,
    allowPrivate: options.allowPrivate ?? false,
    allowUdp: options.allowUdp ?? true,
    maxStreamsPerConnection: options.maxStreamsPerConnection ?? 64,
    maxConnections: options.maxConnections ?? 512,
    maxConnectionsPerIp: options.maxConnectionsPerIp ?? 32,
    bufferPackets: Math.max(2, Math.floor(options.bufferPackets ?? 128)),
    highWaterMark: options.highWaterMark ?? 1 << 20,
    maxPayload: options.maxPayload ?? 64 * 1024,
    connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
    idleTimeoutMs: options.idleTimeoutMs ?? 300_000,
    pingIntervalMs: options.pingIntervalMs ?? 30_000,
    allowHosts: options.allowHosts,
    denyHosts: options.denyHosts,
    allowPorts: options.allowPorts,
    denyPorts: options.denyPorts,
    origins: options.origins,
    tokenSecret: options.tokenSecret,
    staticDir: options.staticDir ? path.resolve(options.staticDir) : undefined,
  };
}
