// The shim: a Wisp v1 server on `ws` that lets browsers reach real TCP/UDP servers.
//
//   ws://host:port/wisp/             many streams over one WebSocket (Wisp v1)
//   ws://host:port/wisp/<host>:<port> one raw TCP stream per WebSocket (wsproxy form,
//                                     as libcurl.js and wisp-js's WispWebSocket use)
//
// Safe by default: it listens on 127.0.0.1, resolves every name itself (all addresses),
// refuses loopback / private / link-local / reserved targets in any spelling, and then
// connects to exactly the address it checked (no second lookup, so DNS rebinding gains
// nothing). Every refusal is a Wisp CLOSE with the protocol's reason; a broken client
// costs its own WebSocket, never the process.
//
// Decisions worth knowing:
// - Origin: browsers send Origin; anything not in `origins` gets HTTP 403 at upgrade.
//   The default allows only the shim's own origin (Origin host == Host header) and, when
//   the shim listens on loopback, only loopback Host names, so a DNS-rebound page cannot
//   pass as same-origin. No Origin header: not a browser, allowed.
// - Tokens (`tokenSecret`): `?token=` on the upgrade URL. No token at all: HTTP 401.
//   A token that is forged, expired or for another target: each CONNECT it does not
//   cover gets CLOSE 0x48 (the raw form: WebSocket close code 4000 + 0x48).
// - Connection limits (global, per client address): the upgrade is accepted, then
//   CLOSE 0x49 on stream 0 and WebSocket close 1013, so browser code can see why.
// - Raw form refusals close the WebSocket with code 4000 + the Wisp reason byte.

import * as http from "node:http";
import * as net from "node:net";
import * as dgram from "node:dgram";
import * as dns from "node:dns";
import * as fs from "node:fs";
import * as path from "node:path";
import { WebSocketServer, WebSocket, type RawData } from "ws";
import {
  CloseReason,
  HEADER_SIZE,
  PacketType,
  StreamType,
  WispDecodeError,
  closeReasonName,
  decodePacket,
  encodeClose,
  encodeContinue,
  encodeData,
  type WispPacket,
} from "../wisp/packet.js";
import {
  classifyAddress,
  hostMatches,
  isAddressAllowed,
  parseAddress,
  portMatches,
  splitHostPort,
  type PortRule,
} from "./address.js";
import { verifyToken } from "./token.js";

export type LogLevel = "debug" | "info" | "warn" | "error";
/** One structured log record. Never contains payload bytes. */
export interface LogEntry {
  level: LogLevel;
  event: string;
  [field: string]: unknown;
}
export type ShimLogger = (entry: LogEntry) => void;

const LEVELS: Record<LogLevel, number> = { debug: 0, info: 1, warn: 2, error: 3 };

/** A logger writing one JSON object per line (e.g. to stderr). */
export function jsonLineLogger(write: (line: string) => void, minLevel: LogLevel = "info"): ShimLogger {
  return (entry) => {
    if (LEVELS[entry.level] < LEVELS[minLevel]) return;
    write(JSON.stringify({ time: new Date().toISOString(), ...entry }) + "\n");
  };
}

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

const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
  ".pem": "application/x-pem-file",
  ".woff2": "font/woff2",
};

type Refusal = { ok: false; reason: number; why: string };
type Resolved = { ok: true; address: string; family: 4 | 6 };

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

const defaultLookup: LookupFn = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

function connectErrorReason(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case "ECONNREFUSED":
      return CloseReason.REFUSED;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return CloseReason.UNREACHABLE;
    case "ETIMEDOUT":
      return CloseReason.CONNECT_TIMEOUT;
    default:
      return CloseReason.NETWORK_ERROR;
  }
}

function isLoopbackHostHeader(host: string): boolean {
  const hp = splitHostPort(host);
  const name = (hp ? hp.host : host).toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const a = parseAddress(name);
  return a !== null && classifyAddress(a) === "loopback";
}

class ShimServer implements Shim {
  readonly opts: Required<
    Omit<ShimOptions, "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir" | "logger" | "lookup">
  > &
    Pick<ShimOptions, "allowHosts" | "denyHosts" | "allowPorts" | "denyPorts" | "origins" | "tokenSecret" | "staticDir">;
  readonly log: ShimLogger;
  readonly lookup: LookupFn;
  readonly http: http.Server;
  readonly wss: WebSocketServer;
  readonly conns = new Set<MuxConnection | RawConnection>();
  readonly perIp = new Map<string, number>();
  /** WebSockets refused for a limit, until their close handshake ends. */
  readonly refused = new Set<WebSocket>();
  private pingTimer: NodeJS.Timeout | undefined;
  private nextConnId = 1;
  closing = false;
  url = "";
  port = 0;
  address = "";
  private listenIsLoopback = true;

  constructor(options: ShimOptions) {
    const path_ = options.path ?? "/wisp/";
    if (!path_.startsWith("/") || !path_.endsWith("/")) throw new TypeError("path must start and end with '/'");
    this.opts = {
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
    this.log = options.logger ?? (() => {});
    this.lookup = options.lookup ?? defaultLookup;
    this.http = http.createServer((req, res) => this.onRequest(req, res));
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: this.opts.maxPayload,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.http.on("upgrade", (req, socket, head) => this.onUpgrade(req, socket as net.Socket, head));
    this.http.on("clientError", (_err, socket) => socket.destroy());
  }

  async listen(): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.http.once("error", reject);
      this.http.listen(this.opts.port, this.opts.host, () => {
        this.http.off("error", reject);
        resolve();
      });
    });
    const addr = this.http.address() as net.AddressInfo;
    this.port = addr.port;
    this.address = addr.address;
    const hostPart = addr.family === "IPv6" || addr.address.includes(":") ? `[${addr.address}]` : addr.address;
    this.url = `ws://${hostPart}:${addr.port}${this.opts.path}`;
    const parsed = parseAddress(addr.address);
    this.listenIsLoopback = parsed !== null && classifyAddress(parsed) === "loopback" && !/^0\.|^::$/.test(addr.address);
    if (this.opts.pingIntervalMs > 0) {
      this.pingTimer = setInterval(() => this.pingAll(), this.opts.pingIntervalMs);
    }
    this.log({ level: "info", event: "listening", url: this.url });
  }

  private pingAll(): void {
    for (const c of this.conns) {
      if (c.readPaused) continue; // our own backpressure, not a dead peer
      if (!c.alive) {
        this.log({ level: "warn", event: "keepalive_timeout", conn: c.id });
        c.ws.terminate();
        continue;
      }
      c.alive = false;
      try {
        c.ws.ping();
      } catch {
        /* closing */
      }
    }
  }

  stats(): ShimStats {
    const streams: StreamStats[] = [];
    for (const c of this.conns) streams.push(...c.streamStats());
    return { connections: this.conns.size, streams };
  }

  // ---------------------------------------------------------------- HTTP

  private onRequest(req: http.IncomingMessage, res: http.ServerResponse): void {
    const send = (status: number, text: string) => {
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" });
      res.end(text + "\n");
    };
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return send(400, "bad request");
    }
    if (pathname.startsWith(this.opts.path) || pathname === this.opts.path.slice(0, -1)) {
      return send(426, "this is a Wisp endpoint: connect with a WebSocket");
    }
    const root = this.opts.staticDir;
    if (!root) return send(404, "not found");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.setHeader("allow", "GET, HEAD");
      return send(405, "method not allowed");
    }
    if (pathname.includes("\0")) return send(400, "bad request");
    let file = path.resolve(root, "." + pathname);
    if (file !== root && !file.startsWith(root + path.sep)) return send(403, "forbidden");
    fs.stat(file, (err, st) => {
      if (!err && st.isDirectory()) file = path.join(file, "index.html");
      fs.realpath(file, (err2, real) => {
        if (err2) return send(404, "not found");
        fs.realpath(root, (err3, realRoot) => {
          if (err3 || (real !== realRoot && !real.startsWith(realRoot + path.sep))) return send(403, "forbidden");
          fs.stat(real, (err4, st2) => {
            if (err4 || !st2.isFile()) return send(404, "not found");
            res.writeHead(200, {
              "content-type": MIME[path.extname(real).toLowerCase()] ?? "application/octet-stream",
              "content-length": st2.size,
              "x-content-type-options": "nosniff",
              "cache-control": "no-cache",
            });
            if (req.method === "HEAD") return res.end();
            const stream = fs.createReadStream(real);
            stream.on("error", () => res.destroy());
            stream.pipe(res);
          });
        });
      });
    });
  }

  private rejectUpgrade(socket: net.Socket, status: number, text: string): void {
    if (socket.writable) {
      socket.end(
        `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`,
      );
    }
    socket.once("finish", () => socket.destroy());
  }

  private originAllowed(req: http.IncomingMessage): boolean {
    const origin = req.headers.origin;
    if (origin === undefined) return true; // not a browser
    if (this.opts.origins) {
      return this.opts.origins.includes("*") || this.opts.origins.includes(origin.replace(/\/$/, ""));
    }
    const host = req.headers.host;
    if (!host) return false;
    let originHost: string;
    try {
      originHost = new URL(origin).host;
    } catch {
      return false;
    }
    if (originHost.toLowerCase() !== host.toLowerCase()) return false;
    return !this.listenIsLoopback || isLoopbackHostHeader(host);
  }

  private onUpgrade(req: http.IncomingMessage, socket: net.Socket, head: Buffer): void {
    socket.on("error", () => {});
    if (this.closing) return this.rejectUpgrade(socket, 503, "shutting down");
    let url: URL;
    try {
      url = new URL(req.url ?? "/", "http://x");
    } catch {
      return this.rejectUpgrade(socket, 400, "bad request");
    }
    const clientIp = req.socket.remoteAddress ?? "unknown";
    if (!url.pathname.startsWith(this.opts.path)) return this.rejectUpgrade(socket, 404, "not found");
    let rawTarget: string;
    try {
      rawTarget = decodeURIComponent(url.pathname.slice(this.opts.path.length));
    } catch {
      return this.rejectUpgrade(socket, 400, "bad target");
    }
    if (!this.originAllowed(req)) {
      this.log({ level: "warn", event: "origin_refused", client: clientIp, origin: req.headers.origin });
      return this.rejectUpgrade(socket, 403, "origin not allowed");
    }
    const token = url.searchParams.get("token") ?? undefined;
    if (this.opts.tokenSecret !== undefined && token === undefined) {
      this.log({ level: "warn", event: "token_missing", client: clientIp });
      return this.rejectUpgrade(socket, 401, "token required");
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const id = this.nextConnId++;
      const throttled =
        this.conns.size >= this.opts.maxConnections || (this.perIp.get(clientIp) ?? 0) >= this.opts.maxConnectionsPerIp;
      const conn =
        rawTarget === "" ? new MuxConnection(this, id, ws, clientIp, token) : new RawConnection(this, id, ws, clientIp, token, rawTarget);
      if (throttled) {
        this.log({ level: "warn", event: "connection_throttled", conn: id, client: clientIp });
        this.refused.add(ws);
        ws.once("close", () => this.refused.delete(ws));
        conn.refuseThrottled();
        return;
      }
      this.conns.add(conn);
      this.perIp.set(clientIp, (this.perIp.get(clientIp) ?? 0) + 1);
      ws.once("close", () => {
        this.conns.delete(conn);
        const n = (this.perIp.get(clientIp) ?? 1) - 1;
        if (n <= 0) this.perIp.delete(clientIp);
        else this.perIp.set(clientIp, n);
      });
      this.log({ level: "info", event: "connection_open", conn: id, client: clientIp, form: rawTarget === "" ? "wisp" : "raw" });
      conn.start();
    });
  }

  // ---------------------------------------------------------------- policy

  /** Applies the whole policy to one target and returns the one address to dial. */
  async resolveTarget(hostIn: string, port: number, token: string | undefined): Promise<Resolved | Refusal> {
    const host = hostIn.startsWith("[") && hostIn.endsWith("]") ? hostIn.slice(1, -1) : hostIn;
    if (host.length === 0 || port === 0) return { ok: false, reason: CloseReason.INVALID_INFO, why: "empty host or port 0" };
    const o = this.opts;
    if (o.denyPorts?.some((r) => portMatches(r, port))) return { ok: false, reason: CloseReason.BLOCKED, why: "port denied" };
    if (o.allowPorts && !o.allowPorts.some((r) => portMatches(r, port))) {
      return { ok: false, reason: CloseReason.BLOCKED, why: "port not allowed" };
    }
    if (o.denyHosts?.some((p) => hostMatches(p, host))) return { ok: false, reason: CloseReason.BLOCKED, why: "host denied" };
    if (o.allowHosts && !o.allowHosts.some((p) => hostMatches(p, host))) {
      return { ok: false, reason: CloseReason.BLOCKED, why: "host not allowed" };
    }
    if (o.tokenSecret !== undefined) {
      const check = verifyToken(o.tokenSecret, token ?? "", { host, port });
      if (!check.ok) return { ok: false, reason: CloseReason.BLOCKED, why: `token ${check.why}` };
    }
    let candidates: string[];
    const literal = parseAddress(host);
    if (literal) {
      candidates = [literal.address];
    } else {
      if (!HOSTNAME_RE.test(host)) return { ok: false, reason: CloseReason.INVALID_INFO, why: "invalid hostname" };
      let timer: NodeJS.Timeout | undefined;
      try {
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(Object.assign(new Error("lookup timed out"), { code: "ETIMEOUT" })), o.connectTimeoutMs);
        });
        const found = await Promise.race([this.lookup(host), timeout]);
        candidates = found.map((f) => f.address);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? "error";
        // A name that does not resolve is not an unreachable network: its own reason.
        const reason = code === "ETIMEOUT" ? CloseReason.CONNECT_TIMEOUT : CloseReason.NAME_NOT_RESOLVED;
        return { ok: false, reason, why: `lookup failed: ${code}` };
      } finally {
        clearTimeout(timer);
      }
      if (candidates.length === 0) return { ok: false, reason: CloseReason.NAME_NOT_RESOLVED, why: "no addresses" };
    }
    let chosen: Resolved | undefined;
    for (const c of candidates) {
      const a = parseAddress(c);
      // Every address the name has must pass: a name that mixes public and internal
      // addresses is refused whole.
      if (!a || !isAddressAllowed(a, o)) {
        return { ok: false, reason: CloseReason.BLOCKED, why: `address ${a ? classifyAddress(a) : "unparseable"}` };
      }
      if (o.denyHosts?.some((p) => hostMatches(p, a.address))) {
        return { ok: false, reason: CloseReason.BLOCKED, why: "address denied" };
      }
      chosen ??= { ok: true, address: a.address, family: a.family };
    }
    return chosen!;
  }

  // ---------------------------------------------------------------- shutdown

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const gone: Promise<void>[] = [];
    for (const c of [...this.conns]) gone.push(c.shutdown());
    for (const ws of this.refused) ws.terminate();
    await Promise.all(gone);
    this.wss.close();
    await new Promise<void>((resolve) => {
      this.http.close(() => resolve());
      this.http.closeAllConnections();
    });
    this.log({ level: "info", event: "closed" });
  }
}

/** What both connection forms share: the WebSocket, keepalive, send accounting. */
abstract class ConnectionBase {
  alive = true;
  /** We stopped reading this WebSocket (backpressure): its pongs cannot arrive either. */
  readPaused = false;
  congested = false;
  closed = false;
  constructor(
    readonly shim: ShimServer,
    readonly id: number,
    readonly ws: WebSocket,
    readonly clientIp: string,
    readonly token: string | undefined,
  ) {
    ws.on("pong", () => (this.alive = true));
    ws.on("error", (err) => {
      this.shim.log({ level: "warn", event: "websocket_error", conn: id, error: err.message });
    });
  }

  abstract start(): void;
  abstract refuseThrottled(): void;
  abstract streamStats(): StreamStats[];
  abstract shutdown(): Promise<void>;
  abstract onUncongested(): void;

  /** Sends one message; `account` tracks the bytes per stream until flushed. */
  send(bytes: Uint8Array, account?: { pendingToClientBytes: number; maxPendingToClientBytes: number }): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const n = bytes.length;
    if (account) {
      account.pendingToClientBytes += n;
      if (account.pendingToClientBytes > account.maxPendingToClientBytes) account.maxPendingToClientBytes = account.pendingToClientBytes;
    }
    this.ws.send(bytes, { binary: true }, () => {
      if (account) account.pendingToClientBytes -= n;
      if (this.congested && this.ws.bufferedAmount <= this.shim.opts.highWaterMark / 2) {
        this.congested = false;
        this.onUncongested();
      }
    });
    if (!this.congested && this.ws.bufferedAmount > this.shim.opts.highWaterMark) this.congested = true;
  }

  waitClosed(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      // A peer that does not answer the close handshake is cut off after a grace period.
      const t = setTimeout(() => this.ws.terminate(), 1000);
      this.ws.once("close", () => {
        clearTimeout(t);
        resolve();
      });
    });
  }
}

interface StreamAccount {
  pendingToClientBytes: number;
  maxPendingToClientBytes: number;
}

/** One Wisp stream (TCP or UDP) inside a multiplexed connection. */
class WispStream implements StreamAccount {
  state: "resolving" | "connecting" | "open" | "closed" = "resolving";
  tcp: net.Socket | undefined;
  udp: dgram.Socket | undefined;
  queue: Uint8Array[] = [];
  queuedBytes = 0;
  consumedSinceContinue = 0;
  waitingDrain = false;
  endAfterFlush = false;
  pendingToClientBytes = 0;
  maxPendingToClientBytes = 0;
  pauseCount = 0;
  paused = false;
  connectTimer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly conn: MuxConnection,
    readonly id: number,
    readonly kind: "tcp" | "udp",
    readonly host: string,
    readonly port: number,
  ) {}

  get shim(): ShimServer {
    return this.conn.shim;
  }

  stats(): StreamStats {
    return {
      connectionId: this.conn.id,
      streamId: this.id,
      kind: this.kind,
      host: this.host,
      port: this.port,
      state: this.state,
      pendingToClientBytes: this.pendingToClientBytes,
      maxPendingToClientBytes: this.maxPendingToClientBytes,
      queuedToTargetBytes: this.queuedBytes,
      queuedToTargetPackets: this.queue.length,
      pauseCount: this.pauseCount,
      paused: this.paused,
    };
  }

  async open(): Promise<void> {
    const r = await this.shim.resolveTarget(this.host, this.port, this.conn.token);
    if (this.state === "closed") return;
    if (!r.ok) {
      this.shim.log({
        level: "warn",
        event: "stream_refused",
        conn: this.conn.id,
        stream: this.id,
        host: this.host,
        port: this.port,
        reason: closeReasonName(r.reason),
        why: r.why,
      });
      return this.close(r.reason);
    }
    this.state = "connecting";
    this.shim.log({ level: "info", event: "stream_connect", conn: this.conn.id, stream: this.id, kind: this.kind, host: this.host, port: this.port, address: r.address });
    if (this.kind === "udp") return this.openUdp(r);
    const socket = net.connect({ host: r.address, port: this.port, family: r.family, noDelay: true });
    this.tcp = socket;
    this.connectTimer = setTimeout(() => this.close(CloseReason.CONNECT_TIMEOUT), this.shim.opts.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(this.connectTimer);
      if (this.state === "closed") return;
      this.state = "open";
      if (this.shim.opts.idleTimeoutMs > 0) socket.setTimeout(this.shim.opts.idleTimeoutMs);
      if (this.conn.congested) this.pause();
      this.pump();
    });
    socket.on("timeout", () => this.close(CloseReason.DATA_TIMEOUT));
    socket.on("data", (chunk: Buffer) => this.toClient(chunk));
    socket.on("end", () => this.close(CloseReason.VOLUNTARY));
    socket.on("error", (err: NodeJS.ErrnoException) => {
      const reason = this.state === "open" ? CloseReason.NETWORK_ERROR : connectErrorReason(err);
      this.shim.log({ level: "info", event: "target_error", conn: this.conn.id, stream: this.id, code: err.code ?? "error" });
      this.close(reason);
    });
    socket.on("close", () => this.close(CloseReason.NETWORK_ERROR));
  }

  private openUdp(r: Resolved): void {
    const socket = dgram.createSocket(r.family === 6 ? "udp6" : "udp4");
    this.udp = socket;
    socket.on("error", () => this.close(CloseReason.NETWORK_ERROR));
    socket.on("message", (msg) => {
      this.idleTimer?.refresh();
      // Datagrams are dropped, not buffered, while the client is slow.
      if (!this.conn.congested) this.toClient(msg);
    });
    socket.connect(this.port, r.address, () => {
      if (this.state === "closed") return;
      this.state = "open";
      if (this.shim.opts.idleTimeoutMs > 0) {
        this.idleTimer = setTimeout(() => this.close(CloseReason.DATA_TIMEOUT), this.shim.opts.idleTimeoutMs);
      }
      this.pump();
    });
  }

  private toClient(chunk: Uint8Array): void {
    if (this.state === "closed") return;
    const max = this.shim.opts.maxPayload - HEADER_SIZE;
    for (let off = 0; off < chunk.length; off += max) {
      this.conn.send(encodeData(this.id, chunk.subarray(off, Math.min(chunk.length, off + max))), this);
    }
    if (this.conn.congested) this.conn.pauseAll();
  }

  pause(): void {
    if (this.paused || !this.tcp) return;
    this.paused = true;
    this.pauseCount++;
    this.tcp.pause();
    this.shim.log({ level: "debug", event: "stream_paused", conn: this.conn.id, stream: this.id });
  }

  resume(): void {
    if (!this.paused || !this.tcp) return;
    this.paused = false;
    this.tcp.resume();
  }

  /** Client DATA for this stream. */
  fromClient(data: Uint8Array): void {
    if (this.kind === "udp") {
      if (this.state === "open") {
        this.idleTimer?.refresh();
        this.udp!.send(data);
      } else if (this.queue.length < 16) {
        this.queue.push(data);
      }
      return;
    }
    this.queue.push(data);
    this.queuedBytes += data.length;
    this.pump();
    // Wisp credit is absolute, so packets in flight when a CONTINUE is sent get counted
    // twice and even a well-behaved client can overshoot a little. Past twice the buffer
    // we stop reading the WebSocket (all its streams wait) until this queue drains.
    if (this.queue.length >= 2 * this.shim.opts.bufferPackets) this.conn.pauseReading(this.id);
  }

  /** Moves queued client data into the target socket, as fast as it takes it. */
  pump(): void {
    if (this.state !== "open" && !this.endAfterFlush) return;
    if (this.kind === "udp") {
      for (const d of this.queue.splice(0)) this.udp!.send(d);
      return;
    }
    const socket = this.tcp!;
    const n = this.shim.opts.bufferPackets;
    while (this.queue.length > 0 && !this.waitingDrain) {
      const chunk = this.queue.shift()!;
      this.queuedBytes -= chunk.length;
      const ok = socket.write(chunk);
      if (++this.consumedSinceContinue >= n / 2 && !this.endAfterFlush) {
        this.consumedSinceContinue = 0;
        this.conn.send(encodeContinue(this.id, n - this.queue.length));
      }
      if (!ok) {
        this.waitingDrain = true;
        socket.once("drain", () => {
          this.waitingDrain = false;
          this.pump();
        });
      }
    }
    if (this.queue.length === 0 && this.endAfterFlush) socket.end();
    if (this.queue.length < n) this.conn.maybeResumeReading();
  }

  /** The client closed the stream: deliver what it already sent, then FIN. */
  closeFromClient(reason: number): void {
    if (this.state === "closed") return;
    this.shim.log({ level: "info", event: "stream_closed_by_client", conn: this.conn.id, stream: this.id, reason: closeReasonName(reason) });
    const socket = this.tcp;
    if (!socket || this.state !== "open" || this.queue.length === 0) return this.close(reason, false);
    // The stream is gone for the client; the socket only drains what is queued, then
    // ends. Its idle timeout (or a shutdown) destroys it if the target never reads.
    this.state = "closed";
    this.conn.streams.delete(this.id);
    this.endAfterFlush = true;
    for (const ev of ["data", "end", "close", "timeout"]) socket.removeAllListeners(ev);
    socket.on("timeout", () => socket.destroy());
    socket.on("end", () => socket.destroy());
    socket.on("data", () => {});
    socket.resume();
    this.conn.detached.add(socket);
    socket.once("close", () => this.conn.detached.delete(socket));
    this.pump();
  }

  /** Closes the stream now; tells the client unless `notify` is false. */
  close(reason: number, notify = true): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.connectTimer);
    clearTimeout(this.idleTimer);
    if (this.conn.streams.get(this.id) === this) this.conn.streams.delete(this.id);
    this.queue = [];
    this.queuedBytes = 0;
    this.conn.maybeResumeReading();
    this.tcp?.destroy();
    if (this.udp) {
      try {
        this.udp.close();
      } catch {
        /* already closed */
      }
    }
    if (notify) this.conn.send(encodeClose(this.id, reason));
    this.shim.log({ level: "info", event: "stream_closed", conn: this.conn.id, stream: this.id, reason: closeReasonName(reason) });
  }
}

class MuxConnection extends ConnectionBase {
  readonly streams = new Map<number, WispStream>();
  /** Target sockets still flushing after the client closed their stream. */
  readonly detached = new Set<net.Socket>();

  start(): void {
    this.ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    this.ws.on("close", (code) => this.onClose(code));
    this.send(encodeContinue(0, this.shim.opts.bufferPackets));
  }

  refuseThrottled(): void {
    this.send(encodeClose(0, CloseReason.THROTTLED));
    this.ws.close(1013, "too many connections");
  }

  streamStats(): StreamStats[] {
    return [...this.streams.values()].map((s) => s.stats());
  }

  onUncongested(): void {
    for (const s of this.streams.values()) s.resume();
  }

  pauseReading(streamId: number): void {
    if (this.readPaused || this.closed) return;
    this.readPaused = true;
    this.ws.pause();
    this.shim.log({ level: "warn", event: "connection_read_paused", conn: this.id, stream: streamId });
  }

  maybeResumeReading(): void {
    if (!this.readPaused || this.closed) return;
    const n = this.shim.opts.bufferPackets;
    for (const s of this.streams.values()) if (s.queue.length >= n) return;
    this.readPaused = false;
    this.alive = true;
    this.ws.resume();
  }

  pauseAll(): void {
    for (const s of this.streams.values()) s.pause();
  }

  private protocolError(why: string): void {
    this.shim.log({ level: "warn", event: "protocol_error", conn: this.id, why });
    this.closeAll(CloseReason.INVALID_INFO);
    this.ws.resume();
    this.ws.close(1002, "malformed wisp packet");
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    if (!isBinary) return this.protocolError("text frame");
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    let packet: WispPacket;
    try {
      packet = decodePacket(bytes);
    } catch (err) {
      if (err instanceof WispDecodeError) return this.protocolError(err.message);
      throw err;
    }
    const stream = this.streams.get(packet.streamId);
    switch (packet.type) {
      case PacketType.CONNECT: {
        if (packet.streamId === 0) {
          this.send(encodeClose(0, CloseReason.INVALID_INFO));
          return;
        }
        if (stream) {
          // A reused id: the client is confused about this stream; end it.
          stream.close(CloseReason.INVALID_INFO);
          return;
        }
        const kind = packet.streamType === StreamType.UDP ? "udp" : "tcp";
        if (kind === "udp" && !this.shim.opts.allowUdp) {
          this.send(encodeClose(packet.streamId, CloseReason.BLOCKED));
          return;
        }
        if (this.streams.size >= this.shim.opts.maxStreamsPerConnection) {
          this.shim.log({ level: "warn", event: "stream_throttled", conn: this.id, stream: packet.streamId });
          this.send(encodeClose(packet.streamId, CloseReason.THROTTLED));
          return;
        }
        const s = new WispStream(this, packet.streamId, kind, packet.hostname, packet.port);
        this.streams.set(packet.streamId, s);
        s.open().catch((err: unknown) => {
          this.shim.log({ level: "error", event: "stream_open_failed", conn: this.id, stream: s.id, error: String(err) });
          s.close(CloseReason.NETWORK_ERROR);
        });
        return;
      }
      case PacketType.DATA:
        if (!stream) {
          // Unknown (or already closed) stream: tell the client it is gone.
          if (packet.streamId !== 0) this.send(encodeClose(packet.streamId, CloseReason.INVALID_INFO));
          return;
        }
        stream.fromClient(packet.data);
        return;
      case PacketType.CONTINUE:
        // Only servers send CONTINUE; ignore it.
        return;
      case PacketType.CLOSE:
        stream?.closeFromClient(packet.reason);
        return;
    }
  }

  private closeAll(reason: number): void {
    for (const s of [...this.streams.values()]) s.close(reason);
  }

  private onClose(code: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const s of [...this.streams.values()]) s.close(CloseReason.NETWORK_ERROR, false);
    for (const d of this.detached) d.destroy();
    this.shim.log({ level: "info", event: "connection_closed", conn: this.id, code });
  }

  async shutdown(): Promise<void> {
    const closed = this.waitClosed();
    this.closeAll(CloseReason.VOLUNTARY);
    for (const d of this.detached) d.destroy();
    this.ws.resume();
    this.ws.close(1001, "server shutting down");
    await closed;
  }
}

/** The one-stream-per-WebSocket form: raw bytes both ways. */
class RawConnection extends ConnectionBase implements StreamAccount {
  private socket: net.Socket | undefined;
  private state: "resolving" | "connecting" | "open" | "closed" = "resolving";
  private target: { host: string; port: number } | null;
  private connectTimer: NodeJS.Timeout | undefined;
  pendingToClientBytes = 0;
  maxPendingToClientBytes = 0;
  pauseCount = 0;
  paused = false;

  constructor(shim: ShimServer, id: number, ws: WebSocket, clientIp: string, token: string | undefined, rawTarget: string) {
    super(shim, id, ws, clientIp, token);
    this.target = splitHostPort(rawTarget);
  }

  refuseThrottled(): void {
    this.ws.close(4000 + CloseReason.THROTTLED, "throttled");
  }

  streamStats(): StreamStats[] {
    if (!this.target || this.state === "closed") return [];
    return [
      {
        connectionId: this.id,
        streamId: 0,
        kind: "raw",
        host: this.target.host,
        port: this.target.port,
        state: this.state,
        pendingToClientBytes: this.pendingToClientBytes,
        maxPendingToClientBytes: this.maxPendingToClientBytes,
        queuedToTargetBytes: this.socket?.writableLength ?? 0,
        queuedToTargetPackets: 0,
        pauseCount: this.pauseCount,
        paused: this.paused,
      },
    ];
  }

  private fail(reason: number, why: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.connectTimer);
    this.socket?.destroy();
    this.shim.log({ level: "info", event: "raw_closed", conn: this.id, reason: closeReasonName(reason), why });
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.resume(); // read the peer's close frame, or the handshake waits 30 s
      this.ws.close(reason === CloseReason.VOLUNTARY ? 1000 : 4000 + reason, closeReasonName(reason));
    }
  }

  start(): void {
    this.ws.on("close", () => {
      this.closed = true;
      this.fail(CloseReason.VOLUNTARY, "websocket closed");
    });
    if (!this.target) return this.fail(CloseReason.INVALID_INFO, "bad target");
    // Hold client bytes in the kernel until the target is connected.
    this.readPaused = true;
    this.ws.pause();
    this.ws.on("message", (data: RawData, isBinary: boolean) => {
      if (this.state !== "open") return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      const s = this.socket!;
      if (!s.write(isBinary ? bytes : Buffer.from(bytes.toString("utf8"))) && !this.readPaused) {
        this.readPaused = true;
        this.ws.pause();
        s.once("drain", () => {
          this.readPaused = false;
          this.alive = true;
          this.ws.resume();
        });
      }
    });
    void this.open(this.target);
  }

  private async open(target: { host: string; port: number }): Promise<void> {
    const r = await this.shim.resolveTarget(target.host, target.port, this.token);
    if (this.state === "closed") return;
    if (!r.ok) {
      this.shim.log({ level: "warn", event: "stream_refused", conn: this.id, host: target.host, port: target.port, reason: closeReasonName(r.reason), why: r.why });
      return this.fail(r.reason, r.why);
    }
    this.state = "connecting";
    const socket = net.connect({ host: r.address, port: target.port, family: r.family, noDelay: true });
    this.socket = socket;
    this.connectTimer = setTimeout(() => this.fail(CloseReason.CONNECT_TIMEOUT, "connect timeout"), this.shim.opts.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(this.connectTimer);
      if (this.state === "closed") return;
      this.state = "open";
      if (this.shim.opts.idleTimeoutMs > 0) socket.setTimeout(this.shim.opts.idleTimeoutMs);
      this.readPaused = false;
      this.ws.resume();
    });
    socket.on("timeout", () => this.fail(CloseReason.DATA_TIMEOUT, "idle"));
    socket.on("data", (chunk: Buffer) => {
      const max = this.shim.opts.maxPayload;
      for (let off = 0; off < chunk.length; off += max) this.send(chunk.subarray(off, off + max), this);
      if (this.congested && !this.paused) {
        this.paused = true;
        this.pauseCount++;
        socket.pause();
      }
    });
    socket.on("end", () => this.fail(CloseReason.VOLUNTARY, "target ended"));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.fail(this.state === "open" ? CloseReason.NETWORK_ERROR : connectErrorReason(err), err.code ?? "error"),
    );
    socket.on("close", () => this.fail(CloseReason.NETWORK_ERROR, "target closed"));
  }

  onUncongested(): void {
    if (this.paused) {
      this.paused = false;
      this.socket?.resume();
    }
  }

  async shutdown(): Promise<void> {
    const closed = this.waitClosed();
    this.fail(CloseReason.VOLUNTARY, "server shutting down");
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1001, "server shutting down");
    await closed;
  }
}

/** Starts a shim and resolves once it listens. */
export async function createShim(options: ShimOptions = {}): Promise<Shim> {
  const shim = new ShimServer(options);
  await shim.listen();
  return shim;
}
