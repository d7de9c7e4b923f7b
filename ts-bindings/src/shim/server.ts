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

//
// The parts: options.ts (options, stats), logger.ts, static.ts (plain HTTP), policy.ts
// (which targets, which address), connection.ts (what both forms share), mux.ts +
// stream.ts (Wisp), raw.ts (wsproxy). This file accepts upgrades and owns the lifecycle.

import * as http from "node:http";
import type * as net from "node:net";
import { WebSocketServer, type WebSocket } from "ws";
import { classifyAddress, parseAddress, splitHostPort } from "./address.js";
import type { ShimLogger } from "./logger.js";
import { MuxConnection } from "./mux.js";
import { resolveOptions, type LookupFn, type ResolvedOptions, type Shim, type ShimOptions, type ShimStats, type StreamStats } from "./options.js";
import { defaultLookup, resolveTarget, type Refusal, type Resolved } from "./policy.js";
import { RawConnection } from "./raw.js";
import { serveHttp } from "./static.js";
import type { ShimContext } from "./connection.js";

export { jsonLineLogger } from "./logger.js";
export type { LogEntry, LogLevel, ShimLogger } from "./logger.js";
export type { LookupFn, Shim, ShimOptions, ShimStats, StreamStats } from "./options.js";

function isLoopbackHostHeader(host: string): boolean {
  const hp = splitHostPort(host);
  const name = (hp ? hp.host : host).toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const a = parseAddress(name);
  return a !== null && classifyAddress(a) === "loopback";
}

class ShimServer implements Shim, ShimContext {
  readonly opts: ResolvedOptions;
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
    this.opts = resolveOptions(options);
    this.log = options.logger ?? (() => {});
    this.lookup = options.lookup ?? defaultLookup;
    this.http = http.createServer((req, res) => serveHttp(req, res, this.opts.path, this.opts.staticDir));
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

  /** Applies the whole policy to one target and returns the one address to dial. */
  resolveTarget(host: string, port: number, token: string | undefined): Promise<Resolved | Refusal> {
    return resolveTarget(this.opts, this.lookup, host, port, token);
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

/** Starts a shim and resolves once it listens. */
export async function createShim(options: ShimOptions = {}): Promise<Shim> {
  const shim = new ShimServer(options);
  await shim.listen();
  return shim;
}
