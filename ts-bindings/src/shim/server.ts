// The shim: a Wisp server (v1, and v2 for clients that ask) on `ws` that lets browsers
// reach real TCP/UDP servers.
//
//   ws://host:port/wisp/             many streams over one WebSocket (Wisp)
//   ws://host:port/wisp/<host>:<port> one raw TCP stream per WebSocket (wsproxy form,
//                                     as libcurl.js and wisp-js's WispWebSocket use)
//
// Safe by default: it listens on 127.0.0.1, resolves every name itself (all addresses),
// refuses loopback / private / link-local / reserved targets in any spelling, and then
// connects to exactly the address it checked (no second lookup, so DNS rebinding gains
// nothing). Every refusal is a Wisp CLOSE with the protocol's reason (the table is at
// CloseReason in wisp/packet.ts); a broken or hostile client costs its own WebSocket,
// never the process, and every buffer is bounded in bytes (limits.ts).
//
// Decisions worth knowing:
// - Origin (origin.ts): browsers send Origin; anything not allowed gets HTTP 403 at
//   upgrade. Without `origins`, only the shim's own origin, and only where that cannot
//   be a DNS-rebound page (on 0.0.0.0, an Origin equal to a Host *name* such as
//   `127.0.0.1.nip.io` is refused: pass --origin).
// - Tokens (`tokenSecret`, semantics in token.ts): `?token=` on the upgrade URL, verified
//   there (format, signature, expiry); a missing or bad one gets HTTP 401 and its socket
//   is destroyed at once. Each CONNECT it does not cover gets CLOSE 0x48.
// - Connection limits (global, per client address): the upgrade is accepted, then
//   CLOSE 0x49 on stream 0 and WebSocket close 1013, so browser code can see why; the
//   socket is ended right after the close frame, not held for a close handshake.
//   With `passwords`, WebSockets not yet authenticated hold no connection slot, only one
//   of `maxHandshakes`, for at most handshakeTimeoutMs.
// - Raw form refusals close the WebSocket with code 4000 + the Wisp reason byte.
//
// The parts: options.ts (options, defaults, stats), limits.ts (byte budgets), logger.ts,
// static.ts (plain HTTP), policy.ts + address.ts (which targets, which address), dns.ts
// (bounded lookups), token.ts, connection.ts (what both forms share), mux.ts + stream.ts
// (Wisp v1/v2), raw.ts (wsproxy). This file accepts upgrades and owns the lifecycle.

import * as http from "node:http";
import type * as net from "node:net";
import { WebSocketServer, type ServerOptions, type WebSocket } from "ws";
import { HEADER_SIZE } from "../wisp/packet.js";
import { classifyAddress, parseAddress } from "./address.js";
import { RxCounter, type ConnectionBase, type ShimContext } from "./connection.js";
import { DnsLimiter } from "./dns.js";
import { Budget } from "./limits.js";
import type { ShimLogger } from "./logger.js";
import { MuxConnection } from "./mux.js";
import { resolveOptions, type ResolvedOptions, type Shim, type ShimOptions, type ShimStats } from "./options.js";
import { originAllowed } from "./origin.js";
import { TargetPolicy, defaultLookup } from "./policy.js";
import { RawConnection } from "./raw.js";
import { serveHttp } from "./static.js";
import { UsedTokens, verifyToken } from "./token.js";

export { jsonLineLogger } from "./logger.js";
export type { LogEntry, LogLevel, ShimLogger } from "./logger.js";
export type { ConnectionStats, LookupFn, Shim, ShimOptions, ShimStats, StreamStats } from "./options.js";

/** The subprotocol a Wisp v2 client offers (wisp-js 0.5). */
const WISP_V2_PROTOCOL = "wisp-v2";

type Conn = MuxConnection | RawConnection;

class ShimServer implements Shim, ShimContext {
  readonly opts: ResolvedOptions;
  readonly log: ShimLogger;
  readonly policy: TargetPolicy;
  readonly budget: Budget;
  readonly dnsLimiter: DnsLimiter;
  readonly http: http.Server;
  readonly wss: WebSocketServer;
  /** Connections holding a slot (serving). */
  readonly conns = new Set<Conn>();
  /** v2 connections still in their handshake: no slot yet. */
  readonly handshaking = new Set<MuxConnection>();
  readonly perIp = new Map<string, number>();
  /** WebSockets refused for a limit, until their socket is gone. */
  readonly refused = new Set<WebSocket>();
  private readonly usedTokens = new UsedTokens();
  private readonly dropping = new Set<ConnectionBase>();
  private pingTimer: NodeJS.Timeout | undefined;
  private nextConnId = 1;
  closing = false;
  url = "";
  port = 0;
  address = "";
  private listenIsLoopback = true;

  constructor(options: ShimOptions) {
    this.opts = resolveOptions(options);
    this.log = options.logger ?? (() => {});
    this.policy = new TargetPolicy(this.opts);
    this.budget = new Budget(this.opts.totalBufferBytes, () => this.enforceBudget());
    const o = this.opts;
    this.dnsLimiter = new DnsLimiter(options.lookup ?? defaultLookup, {
      maxInFlight: o.maxLookups,
      maxInFlightPerConnection: o.maxLookupsPerConnection,
      maxInFlightPerAddress: o.maxLookupsPerIp,
      maxQueuedPerConnection: o.maxQueuedLookups,
      timeoutMs: o.lookupTimeoutMs,
    });
    this.http = http.createServer((req, res) => serveHttp(req, res, o.path, o.staticDir));
    // A client gets 10 s to send its request head (upgrade included).
    this.http.headersTimeout = 10_000;
    this.http.requestTimeout = 30_000;
    const wsOptions: ServerOptions & { closeTimeout: number } = {
      noServer: true,
      // A message up to twice maxPacketBytes is read, and a DATA packet in it over
      // maxPacketBytes closes only its stream; past that the WebSocket closes (1009).
      maxPayload: 2 * o.maxPacketBytes + HEADER_SIZE,
      perMessageDeflate: false,
      clientTracking: false,
      autoPong: false, // pongs are output we count (connection.ts)
      closeTimeout: o.closeTimeoutMs, // ws 8.19+; not in @types/ws yet
      handleProtocols: (protocols) => (o.wispV2 && protocols.has(WISP_V2_PROTOCOL) ? WISP_V2_PROTOCOL : false),
    };
    this.wss = new WebSocketServer(wsOptions);
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
      this.pingTimer = setInterval(() => this.tick(), this.opts.pingIntervalMs);
    }
    this.log({ level: "info", event: "listening", url: this.url });
  }

  /** Keep-alive: pings, and the paused connections that made no progress (connection.ts). */
  private tick(): void {
    for (const c of this.conns) c.tick();
  }

  /** Over the overall byte budget: drop the connection that holds the most. */
  private enforceBudget(): void {
    let total = this.budget.total;
    for (const c of this.dropping) total -= c.bufferedBytes();
    if (total <= this.budget.limit) return;
    let worst: ConnectionBase | undefined;
    for (const c of [...this.conns, ...this.handshaking]) {
      if (this.dropping.has(c)) continue;
      if (!worst || c.bufferedBytes() > worst.bufferedBytes()) worst = c;
    }
    if (!worst) return;
    this.dropping.add(worst);
    const w = worst;
    w.ws.once("close", () => this.dropping.delete(w));
    w.drop("budget_exceeded", { bufferedBytes: w.bufferedBytes(), totalBytes: this.budget.total });
  }

  stats(): ShimStats {
    const all = [...this.conns, ...this.handshaking];
    return {
      connections: this.conns.size,
      streams: all.flatMap((c) => c.streamStats()),
      connectionStats: all.map((c) => c.connectionStats()),
      bufferedBytes: this.budget.total,
      lookupsInFlight: this.dnsLimiter.running,
      handshakes: this.handshaking.size,
    };
  }

  private rejectUpgrade(socket: net.Socket, status: number, text: string): void {
    if (!socket.writable) return void socket.destroy();
    socket.end(
      `HTTP/1.1 ${status} ${http.STATUS_CODES[status]}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${text.length + 1}\r\n\r\n${text}\n`,
    );
    // Our answer is written; the socket goes now, whatever the peer does.
    socket.once("finish", () => socket.destroy());
    setTimeout(() => socket.destroy(), this.opts.closeTimeoutMs).unref();
  }

  /** Checks the token at the upgrade; returns why it fails, or null. */
  private tokenRefusal(token: string | undefined): string | null {
    if (this.opts.tokenSecret === undefined) return null;
    if (token === undefined) return "token required";
    const check = verifyToken(this.opts.tokenSecret, token);
    if (!check.ok) return `token ${check.why}`;
    if (this.opts.singleUseTokens && !this.usedTokens.claim(token, check.expires)) return "token already used";
    return null;
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
    if (!originAllowed(req.headers.origin, req.headers.host, { origins: this.opts.origins, listenIsLoopback: this.listenIsLoopback })) {
      this.log({ level: "warn", event: "origin_refused", client: clientIp, origin: req.headers.origin });
      return this.rejectUpgrade(socket, 403, "origin not allowed");
    }
    const token = url.searchParams.get("token") ?? undefined;
    const tokenWhy = this.tokenRefusal(token);
    if (tokenWhy) {
      this.log({ level: "warn", event: "token_refused", client: clientIp, why: tokenWhy });
      return this.rejectUpgrade(socket, 401, tokenWhy);
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      const rx = new RxCounter(socket);
      const id = this.nextConnId++;
      const dns = this.dnsLimiter.client(clientIp);
      let conn: Conn;
      if (rawTarget === "") {
        const mux = new MuxConnection(this, id, ws, socket, rx, clientIp, token, dns);
        mux.v2 = ws.protocol === WISP_V2_PROTOCOL;
        conn = mux;
      } else {
        const raw = new RawConnection(this, id, ws, socket, rx, clientIp, token, dns);
        raw.rawTarget = rawTarget;
        conn = raw;
      }
      const perIp = this.perIp.get(clientIp) ?? 0;
      // With passwords, Wisp connections hold no slot until they are authenticated (v1
      // ones never are: they are refused).
      const needsHandshake = conn instanceof MuxConnection && this.opts.passwords !== undefined;
      const full = needsHandshake ? this.handshaking.size >= this.opts.maxHandshakes : this.conns.size >= this.opts.maxConnections;
      if (full || perIp >= this.opts.maxConnectionsPerIp) return this.refuse(conn, socket, clientIp);
      this.perIp.set(clientIp, perIp + 1);
      ws.once("close", () => {
        this.conns.delete(conn);
        if (conn instanceof MuxConnection) this.handshaking.delete(conn);
        const n = (this.perIp.get(clientIp) ?? 1) - 1;
        if (n <= 0) this.perIp.delete(clientIp);
        else this.perIp.set(clientIp, n);
      });
      this.log({ level: "info", event: "connection_open", conn: id, client: clientIp, form: rawTarget === "" ? (conn instanceof MuxConnection && conn.v2 ? "wisp-v2" : "wisp") : "raw" });
      if (conn instanceof MuxConnection && needsHandshake) {
        this.handshaking.add(conn);
        conn.onReady = () => {
          this.handshaking.delete(conn);
          // Authenticated: now it needs a slot.
          if (this.conns.size >= this.opts.maxConnections) return this.refuse(conn, socket, clientIp);
          this.conns.add(conn);
        };
      } else {
        this.conns.add(conn);
      }
      conn.start();
    });
  }

  /** Refuses a WebSocket for a limit: the reason, the close frame, then the socket goes. */
  private refuse(conn: Conn, socket: net.Socket, clientIp: string): void {
    this.log({ level: "warn", event: "connection_throttled", conn: conn.id, client: clientIp });
    this.refused.add(conn.ws);
    socket.once("close", () => this.refused.delete(conn.ws));
    conn.refuseThrottled();
    // The close frame is queued on the socket; end it now rather than wait for the
    // peer's close frame (a peer that never answers would hold the socket).
    socket.end();
    socket.once("finish", () => socket.destroy());
    setTimeout(() => socket.destroy(), this.opts.closeTimeoutMs).unref();
  }

  // ---------------------------------------------------------------- shutdown

  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (this.pingTimer) clearInterval(this.pingTimer);
    const gone: Promise<void>[] = [];
    for (const c of [...this.conns, ...this.handshaking]) gone.push(c.shutdown());
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

/** Starts a shim and resolves once it listens. Throws ERR_INVALID_ARG for a bad host
 *  rule or origin. */
export async function createShim(options: ShimOptions = {}): Promise<Shim> {
  const shim = new ShimServer(options);
  await shim.listen();
  return shim;
}
