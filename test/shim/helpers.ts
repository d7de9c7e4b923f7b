// Shared fixtures for the shim tests: real servers on loopback, event-driven waits.
import * as net from "node:net";
import { createHash } from "node:crypto";
import { readdirSync } from "node:fs";
import { WebSocket } from "ws";
import { PacketType, StreamType, decodePacket, encodeConnect, encodeData, type WispPacket } from "../../ts-bindings/src/wisp/packet.js";
import { createShim, type LogEntry, type Shim, type ShimOptions } from "../../ts-bindings/src/shim/server.js";

export interface EchoServer {
  port: number;
  /** 'connection' events seen. */
  connections: number;
  close(): Promise<void>;
}

/** A TCP server on loopback that counts its connections and closes them all on close(). */
export async function startTcpServer(onConnection: (s: net.Socket) => void, host = "127.0.0.1"): Promise<EchoServer & { sockets: Set<net.Socket> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    state.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    onConnection(s);
  });
  const state = {
    port: 0,
    connections: 0,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  state.port = (server.address() as net.AddressInfo).port;
  return state;
}

/** A TCP echo server on 127.0.0.1 that counts its connections. */
export function startEcho(host = "127.0.0.1"): Promise<EchoServer> {
  return startTcpServer((s) => s.pipe(s), host);
}

/** A raw Wisp client over `ws` that records every packet it receives. */
export class RawWispClient {
  readonly packets: WispPacket[] = [];
  private waiters: Array<{ pred: (p: WispPacket) => boolean; resolve: (p: WispPacket) => void }> = [];
  readonly opened: Promise<void>;
  readonly closed: Promise<{ code: number; reason: string }>;
  constructor(
    readonly ws: WebSocket,
  ) {
    ws.binaryType = "nodebuffer";
    this.opened = new Promise((resolve, reject) => {
      ws.once("open", () => resolve());
      ws.once("error", reject);
    });
    this.closed = new Promise((resolve) => ws.once("close", (code, reason) => resolve({ code, reason: reason.toString() })));
    ws.on("error", () => {});
    ws.on("message", (data: Buffer) => {
      let p: WispPacket;
      try {
        p = decodePacket(new Uint8Array(data));
      } catch {
        return;
      }
      this.packets.push(p);
      for (const w of [...this.waiters]) {
        if (w.pred(p)) {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          w.resolve(p);
        }
      }
    });
  }
  static async connect(url: string, headers?: Record<string, string>): Promise<RawWispClient> {
    const c = new RawWispClient(new WebSocket(url, { headers }));
    await c.opened;
    return c;
  }
  /** Resolves with the first packet (already received or future) matching `pred`. */
  next(pred: (p: WispPacket) => boolean): Promise<WispPacket> {
    const seen = this.packets.find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ pred, resolve }));
  }
  send(bytes: Uint8Array): void {
    this.ws.send(bytes);
  }
  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

export function sha256(chunks: Uint8Array[] | Uint8Array): string {
  const h = createHash("sha256");
  for (const c of Array.isArray(chunks) ? chunks : [chunks]) h.update(c);
  return h.digest("hex");
}

/** Deterministic bytes (xorshift32). */
export function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function randomBytes(n: number, seed: number): Uint8Array {
  const r = prng(seed);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 4) {
    const v = r();
    out[i] = v & 0xff;
    if (i + 1 < n) out[i + 1] = (v >>> 8) & 0xff;
    if (i + 2 < n) out[i + 2] = (v >>> 16) & 0xff;
    if (i + 3 < n) out[i + 3] = (v >>> 24) & 0xff;
  }
  return out;
}

export interface GatedEcho extends EchoServer {
  /** Starts echoing on every connection (until then, nothing is read). */
  open(): void;
  /** Connections currently open. */
  readonly open_connections: number;
}

/** A TCP echo server whose connections read nothing until open() is called: a
 *  "target that never reads" until the test says so. */
export async function startGatedEcho(): Promise<GatedEcho> {
  let opened = false;
  const base = await startTcpServer((s) => (opened ? s.pipe(s) : s.pause()));
  const open = () => {
    if (opened) return;
    opened = true;
    for (const s of base.sockets) {
      s.pipe(s);
      s.resume();
    }
  };
  return {
    get port() {
      return base.port;
    },
    get connections() {
      return base.connections;
    },
    get open_connections() {
      return base.sockets.size;
    },
    open,
    close: base.close,
  };
}

/** Resolves once `pred` holds, checking after each turn of the event loop's timers
 *  (for state that changes without an event of its own, such as counters). */
export async function until(pred: () => boolean): Promise<void> {
  while (!pred()) await new Promise((r) => setTimeout(r, 10));
}

/** Open file descriptors of this process (Linux). */
export function openFds(): number {
  return readdirSync("/proc/self/fd").length;
}

/** A well-behaved client: a fresh WebSocket, one stream to the echo server, 3 bytes
 *  there and back. True if they came back. */
export async function echoWorks(shim: { url: string }, port: number, options: { localAddress?: string } = {}): Promise<boolean> {
  const client = new RawWispClient(new WebSocket(shim.url, options));
  await client.opened;
  try {
    client.send(encodeConnect(1, StreamType.TCP, "127.0.0.1", port));
    client.send(encodeData(1, new Uint8Array([1, 2, 3])));
    const p = await client.next((p) => p.streamId === 1 && (p.type === PacketType.DATA || p.type === PacketType.CLOSE));
    return p.type === PacketType.DATA;
  } finally {
    await client.close();
  }
}

let nextDialId = 1;
/** Sends CONNECT and resolves with the CLOSE reason the shim answers, or "data" if the
 *  target answered (with `probe`, 4 bytes are sent for an echo server to return). */
export async function dial(client: RawWispClient, host: string, port: number, probe = false): Promise<number | "data"> {
  const id = nextDialId++;
  client.send(encodeConnect(id, StreamType.TCP, host, port));
  if (probe) client.send(encodeData(id, new TextEncoder().encode("ping")));
  const p = await client.next((p) => p.streamId === id && (p.type === PacketType.CLOSE || p.type === PacketType.DATA));
  return p.type === PacketType.CLOSE ? p.reason : "data";
}

/** Opens a WebSocket and resolves with the HTTP status of a refused upgrade, or 101. */
export function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve) => {
    const ws = new WebSocket(url, { headers });
    ws.on("unexpected-response", (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      ws.terminate();
    });
    ws.on("error", () => {});
    ws.on("open", () => {
      resolve(101);
      ws.close();
    });
  });
}

/** A TCP server that sends `bytes` to every connection as soon as it connects. */
export function startChatty(bytes: number): Promise<EchoServer> {
  const block = new Uint8Array(64 * 1024);
  return startTcpServer((s) => {
    for (let sent = 0; sent < bytes; sent += block.length) s.write(block);
  });
}

/** A shim on loopback (allowLoopback) with its log events collected; `seen(event)`
 *  resolves when one is logged. */
export async function shimWithEvents(options: ShimOptions): Promise<{ shim: Shim; events: LogEntry[]; seen(event: string): Promise<LogEntry> }> {
  const events: LogEntry[] = [];
  const waiters: Array<{ event: string; resolve: (e: LogEntry) => void }> = [];
  const shim = await createShim({
    allowLoopback: true,
    ...options,
    logger: (e) => {
      events.push(e);
      for (const w of waiters.filter((w) => w.event === e.event)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    },
  });
  const seen = (event: string) => {
    const e = events.find((x) => x.event === event);
    return e ? Promise.resolve(e) : new Promise<LogEntry>((resolve) => waiters.push({ event, resolve }));
  };
  return { shim, events, seen };
}

/** Runs `body` with a fresh target that accepts and never reads; afterwards the target
 *  starts reading, so it sees every FIN or RST the shim sent, and this checks that all
 *  its connections are gone (the shim released every target socket). */
export async function withSilentTarget(body: (target: GatedEcho) => Promise<void>): Promise<void> {
  const target = await startGatedEcho();
  try {
    await body(target);
    target.open();
    await until(() => target.open_connections === 0);
  } finally {
    await target.close();
  }
}

/** Whether the shim has stopped reading a connection (any, or the one with this id). */
export const readPaused = (shim: Shim, connId?: number) =>
  shim.stats().connectionStats.some((c) => c.readPaused && (connId === undefined || c.id === connId));

/** One turn of the event loop. */
export const turn = () => new Promise((r) => setImmediate(r));
