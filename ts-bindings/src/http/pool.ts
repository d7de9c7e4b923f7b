// Keep-alive connections, pooled per origin (scheme + host + port).
//
// A connection goes back to the pool only after its response body was read to the
// end (the fetch layer decides). While idle, one read is kept pending on it: if it
// completes (the server closed, reset, or sent unsolicited bytes) the connection is
// dropped. The next user of the connection receives that same pending read.

import { LmwError } from "../errors.js";
import type { ByteSocket, SocketInfo } from "../device/socket-types.js";
import { ResponseParser, type ParserLimits } from "./parser.js";

export interface ConnectOptions {
  host: string;
  port: number;
  tls: boolean;
  /** SNI and certificate name; defaults to host. */
  servername?: string;
  alpn?: string[];
  /** Aborted on the caller's abort and on our connect deadline; a connector should stop and reject. */
  signal?: AbortSignal;
}

/** Opens byte sockets: our lwIP/Mbed TLS stack, or node:net/node:tls in tests. */
export interface Connector {
  /** Rejects with an LmwError (ERR_CONNECTION_REFUSED, ERR_TLS_CERT_UNTRUSTED, ERR_TIMEOUT_HANDSHAKE...). */
  connect(options: ConnectOptions): Promise<ByteSocket>;
}

export interface Origin {
  key: string;
  host: string;
  port: number;
  tls: boolean;
}

type ReadResult = ReadableStreamReadResult<Uint8Array>;

export class Connection {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly writer: WritableStreamDefaultWriter<Uint8Array>;
  readonly parser: ResponseParser;
  /** Requests sent on this connection so far. */
  requests = 0;
  dead = false;
  idle = false;
  /** Called once when the connection dies (set by the pool when it adopts it). */
  onDead: (() => void) | null = null;
  private pendingRead: Promise<ReadResult> | null = null;
  private idleTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    readonly socket: ByteSocket,
    readonly info: SocketInfo,
    limits: ParserLimits | undefined,
  ) {
    this.reader = socket.readable.getReader();
    this.writer = socket.writable.getWriter();
    this.parser = new ResponseParser(limits);
    // A failed socket reports through reads/writes; never leave these unhandled.
    socket.closed.catch(() => {});
    this.writer.closed.catch(() => {});
  }

  read(): Promise<ReadResult> {
    const p = this.pendingRead ?? this.reader.read();
    this.pendingRead = null;
    return p;
  }

  /** Forced close: pending reads and writes fail with `reason`. */
  destroy(reason?: unknown): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.idleTimer);
    try {
      this.socket.destroy(reason);
    } catch {
      // already gone
    }
    this.onDead?.();
  }

  /** Graceful close (TLS close_notify, FIN). */
  close(): void {
    if (this.dead) return;
    this.dead = true;
    clearTimeout(this.idleTimer);
    this.socket.close().catch(() => {});
    this.onDead?.();
  }

  startIdle(timeoutMs: number): void {
    this.idle = true;
    const p = this.reader.read();
    this.pendingRead = p;
    const drop = () => {
      if (this.idle) this.destroy();
    };
    p.then(drop, drop);
    if (timeoutMs > 0) this.idleTimer = setTimeout(() => this.idle && this.close(), timeoutMs);
  }

  stopIdle(): void {
    this.idle = false;
    clearTimeout(this.idleTimer);
  }
}

interface Waiter {
  /** A connection handed over, or null: a slot was freed, connect a new one. */
  resolve(conn: Connection | null): void;
  reject(e: unknown): void;
}

class OriginPool {
  readonly idle: Connection[] = [];
  total = 0;
  readonly waiters: Waiter[] = [];
  constructor(readonly origin: Origin) {}
}

export interface PoolOptions {
  maxSocketsPerOrigin: number;
  idleTimeout: number;
  connectTimeout: number;
  parserLimits?: ParserLimits;
}

export class ConnectionPool {
  private readonly pools = new Map<string, OriginPool>();
  private closed = false;

  constructor(
    private readonly connector: Connector,
    private readonly options: PoolOptions,
  ) {}

  /** Connections currently open for an origin key (idle and busy). */
  openCount(key: string): number {
    return this.pools.get(key)?.total ?? 0;
  }

  /**
   * A connection for `origin`: an idle one unless `fresh`, else a new one when under
   * the per-origin limit, else the first one released.
   */
  async acquire(
    origin: Origin,
    opts: { signal?: AbortSignal; fresh?: boolean; connectTimeout?: number; onConnectStart?: () => void },
  ): Promise<{ conn: Connection; reused: boolean }> {
    if (this.closed) throw new LmwError("ERR_CLOSED", "this fetch client was closed", { layer: "http" });
    opts.signal?.throwIfAborted();
    let pool = this.pools.get(origin.key);
    if (!pool) {
      pool = new OriginPool(origin);
      this.pools.set(origin.key, pool);
    }
    if (!opts.fresh) {
      while (pool.idle.length > 0) {
        const conn = pool.idle.pop()!;
        if (conn.dead) continue;
        conn.stopIdle();
        return { conn, reused: true };
      }
    }
    if (pool.total < this.options.maxSocketsPerOrigin) {
      pool.total++;
      return { conn: await this.connectInSlot(pool, opts), reused: false };
    }
    const p = pool;
    const got = await new Promise<Connection | null>((resolve, reject) => {
      const signal = opts.signal;
      const onAbort = () => {
        const i = p.waiters.indexOf(waiter);
        if (i >= 0) p.waiters.splice(i, 1);
        reject(signal!.reason);
      };
      const waiter: Waiter = {
        resolve: (c) => {
          signal?.removeEventListener("abort", onAbort);
          resolve(c);
        },
        reject: (e) => {
          signal?.removeEventListener("abort", onAbort);
          reject(e);
        },
      };
      signal?.addEventListener("abort", onAbort, { once: true });
      p.waiters.push(waiter);
    });
    if (got) return { conn: got, reused: true };
    return { conn: await this.connectInSlot(p, opts), reused: false };
  }

  /** Back to the pool if `reusable`, else closed. */
  release(conn: Connection, reusable: boolean): void {
    if (conn.dead) return;
    if (!reusable || this.closed) {
      conn.close();
      return;
    }
    const pool = this.pools.get(this.keyOf(conn));
    if (!pool) {
      conn.close();
      return;
    }
    const waiter = pool.waiters.shift();
    if (waiter) {
      waiter.resolve(conn);
      return;
    }
    pool.idle.push(conn);
    conn.startIdle(this.options.idleTimeout);
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const pool of this.pools.values()) {
      for (const w of pool.waiters.splice(0)) w.reject(new LmwError("ERR_CLOSED", "this fetch client was closed", { layer: "http" }));
      for (const conn of [...pool.idle]) conn.close();
    }
  }

  private readonly owner = new WeakMap<Connection, string>();

  private keyOf(conn: Connection): string {
    return this.owner.get(conn) ?? "";
  }

  private async connectInSlot(
    pool: OriginPool,
    opts: { signal?: AbortSignal; connectTimeout?: number; onConnectStart?: () => void },
  ): Promise<Connection> {
    let conn: Connection;
    try {
      opts.onConnectStart?.();
      conn = await this.connect(pool.origin, opts.signal, opts.connectTimeout ?? this.options.connectTimeout);
    } catch (e) {
      this.slotFreed(pool);
      throw e;
    }
    this.owner.set(conn, pool.origin.key);
    conn.onDead = () => {
      const i = pool.idle.indexOf(conn);
      if (i >= 0) pool.idle.splice(i, 1);
      this.slotFreed(pool);
    };
    return conn;
  }

  private slotFreed(pool: OriginPool): void {
    pool.total--;
    const waiter = pool.waiters.shift();
    if (waiter) {
      pool.total++;
      waiter.resolve(null);
    }
  }

  /** connector.connect() and the socket's `opened`, under one deadline. */
  private async connect(origin: Origin, signal: AbortSignal | undefined, timeoutMs: number): Promise<Connection> {
    signal?.throwIfAborted();
    const ac = new AbortController();
    const onAbort = () => ac.abort(signal!.reason);
    signal?.addEventListener("abort", onAbort, { once: true });
    let timer: ReturnType<typeof setTimeout> | undefined;
    let lost = false;
    const stop = new Promise<never>((_, reject) => {
      ac.signal.addEventListener("abort", () => reject(ac.signal.reason), { once: true });
      if (timeoutMs > 0) {
        timer = setTimeout(() => {
          ac.abort(
            new LmwError("ERR_TIMEOUT_CONNECT", `connecting to ${origin.host}:${origin.port} took longer than ${timeoutMs} ms`, { layer: "http" }),
          );
        }, timeoutMs);
      }
    });
    const attempt = (async () => {
      const socket = await this.connector.connect({ host: origin.host, port: origin.port, tls: origin.tls, servername: origin.host, signal: ac.signal });
      let info: SocketInfo;
      try {
        info = await socket.opened;
      } catch (e) {
        socket.destroy(e);
        throw e;
      }
      return new Connection(socket, info, this.options.parserLimits);
    })();
    attempt.then(
      (c) => {
        if (lost) c.destroy();
      },
      () => {},
    );
    try {
      return await Promise.race([attempt, stop]);
    } catch (e) {
      lost = true;
      throw e;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener("abort", onAbort);
    }
  }
}
