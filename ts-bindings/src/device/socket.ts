// TCP and TLS connections of one stack as web-stream sockets (ByteSocket).
// Backpressure is real: received bytes are acknowledged to lwIP (opening the TCP window)
// only when the readable's consumer pulls them; writes wait for lwIP's send buffer.
// One file past 400 lines on purpose: a socket's state machine (connecting, open,
// half-closed, failed) is read as a whole; its parsing (connection-info.ts, tls-failure.ts)
// and the listener (listener.ts) are elsewhere.
import { LmwError } from "../errors.js";
import { LwipErr } from "../ffi/generated/errors.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import { attachTlsFailure, parseTlsFailure, type TlsFailure } from "./tls-failure.js";
import { connectionError, lwipErrorName, tlsHandshakeError, mbedtlsErrorName } from "../ffi/native-errors.js";
import { parseConnInfo } from "./connection-info.js";
import type { ByteSocket, SocketInfo } from "./socket-types.js";
import type { Stack } from "./stack.js";
import { TlsSession, type TlsConfig } from "./tls-config.js";

const CHUNK = 64 * 1024;

function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  promise.catch(() => {}); // observed through the public promises; never an unhandled rejection here
  return { promise, resolve, reject };
}

export interface StackConnectOptions {
  ip: string;
  port: number;
  tls?: TlsConfig;
  /** TLS: SNI and the certificate name check. */
  servername?: string;
  /** TLS: a session to resume (copied at connect). */
  session?: TlsSession;
  signal?: AbortSignal;
}

export class StackSocket implements ByteSocket, AsyncDisposable {
  readonly stack: Stack;
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  #ptr: number;
  #id: number;
  #tls: boolean;
  #servername: string | undefined;
  /** TLS: the addresses read when TCP came up (before the handshake). */
  #tcpInfo: SocketInfo | undefined;
  #connected = false;
  #eof = false;
  #closing = false;
  #error: LmwError | undefined;
  #wakeReader: (() => void) | undefined;
  #wakeWriter: (() => void) | undefined;
  #opened = deferred<SocketInfo>();
  #closed = deferred<void>();
  #readDone = false;
  #writeDone = false;
  #tcpUpAt: number | undefined;
  #info: SocketInfo | undefined;
  #localPort = 0;

  /** Asked when the peer resets the connection: a better error than a bare reset, if
   *  whoever sent the RST knows why (the router keeps the dialer's reason). */
  explainReset: ((localPort: number) => LmwError | undefined) | undefined;

  /** Wraps a handle already made by the C side (used by connect and accept). */
  constructor(stack: Stack, ptr: number, id: number, options: { tls: boolean; connected: boolean; servername?: string }) {
    this.stack = stack;
    this.#ptr = ptr;
    this.#id = id;
    this.#tls = options.tls;
    this.#servername = options.servername;
    stack.retain();
    this.readable = new ReadableStream<Uint8Array>(
      {
        pull: (controller) => this.#pull(controller),
        cancel: () => {
          this.#readDone = true;
          this.destroy();
        },
      },
      { highWaterMark: 1 },
    );
    this.writable = new WritableStream<Uint8Array>(
      {
        write: (chunk) => this.#write(chunk),
        close: async () => {
          // Plain TCP: FIN, reading goes on. TLS over altcp has no half-close: ending the
          // writable keeps the socket open for reading; close() closes the connection.
          this.#writeDone = true;
          if (!this.#tls && this.#ptr !== 0) {
            this.stack.mod._lmw_conn_shutdown_write(this.#ptr);
            this.stack.kick();
          }
          this.#maybeFinished();
        },
        abort: (reason) => this.destroy(reason),
      },
      { highWaterMark: 1 },
    );
    if (options.connected) this.#onConnected();
  }

  /** Opens a TCP (or TLS) connection from `stack`. */
  static connect(stack: Stack, options: StackConnectOptions): StackSocket {
    const { mem, mod } = stack;
    let socket: StackSocket | undefined;
    const id = stack.register((kind, arg) => { if (socket) socket.#onEvent(kind, arg); });
    using out = mem.alloc(4);
    const err = mod._lmw_conn_new(id, options.tls ? options.tls.ptr : 0, out.ptr);
    if (err !== 0) {
      stack.unregister(id);
      throw connectionError(err, "connect");
    }
    socket = new StackSocket(stack, out.u32(), id, { tls: !!options.tls, connected: false, servername: options.servername });
    if (options.tls && options.servername) {
      using name = mem.cstring(options.servername);
      const e = mod._lmw_conn_set_hostname(socket.#ptr, name.ptr);
      if (e !== 0) {
        socket.#fail(new LmwError("ERR_INVALID_ARG", `bad server name "${options.servername}"`, { layer: "api", nativeCode: e }));
        return socket;
      }
    }
    if (options.tls && options.session) mod._lmw_conn_set_session(socket.#ptr, options.session.ptr);
    {
      using ip = mem.cstring(options.ip);
      const e = mod._lmw_conn_connect(socket.#ptr, ip.ptr, options.port);
      stack.kick();
      if (e !== 0) {
        const tlsErr = mod._lmw_conn_tls_error(socket.#ptr);
        socket.#fail(tlsErr !== 0 ? tlsHandshakeError(tlsErr, 0, options.servername)
          : new LmwError("ERR_CONNECT", `cannot connect to ${options.ip}:${options.port}: ${lwipErrorName(e)}`, { layer: "lwip", nativeCode: e }));
        return socket;
      }
      // The local port is bound now; once a RST has freed the pcb it can no longer be read.
      const local = socket.#readInfo().localAddress;
      socket.#localPort = Number(local.slice(local.lastIndexOf(":") + 1)) || 0;
    }
    const signal = options.signal;
    if (signal) {
      if (signal.aborted) socket.destroy(signal.reason);
      else {
        const onAbort = () => socket!.destroy(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        socket.#opened.promise.then(() => signal.removeEventListener("abort", onAbort), () => signal.removeEventListener("abort", onAbort));
      }
    }
    return socket;
  }

  /** Takes the next connection accepted by listener handle `listenerPtr`, if any. */
  static accept(stack: Stack, listenerPtr: number, tls: boolean): StackSocket | undefined {
    const { mem, mod } = stack;
    let socket: StackSocket | undefined;
    // Registered first: lmw_conn_accept re-sends what already happened under this id
    // (queued; delivered after `socket` is set).
    const id = stack.register((kind, arg) => { if (socket) socket.#onEvent(kind, arg); });
    using out = mem.alloc(4);
    if (mod._lmw_conn_accept(listenerPtr, id, out.ptr) !== 0) {
      stack.unregister(id);
      return undefined;
    }
    socket = new StackSocket(stack, out.u32(), id, { tls, connected: true });
    return socket;
  }

  get opened(): Promise<SocketInfo> {
    return this.#opened.promise;
  }

  get closed(): Promise<void> {
    return this.#closed.promise;
  }

  /** When the TCP connection came up (performance.now()); for TLS, before the handshake.
   *  Undefined while connecting. */
  get tcpConnectedAt(): number | undefined {
    return this.#tcpUpAt;
  }

  /** Details known so far (addresses, TLS version and suite, peer chain). */
  get info(): SocketInfo | undefined {
    return this.#info;
  }

  #onEvent(kind: number, arg: number): void {
    switch (kind) {
      case LmwEvent.TCP_UP:
        this.#tcpUpAt ??= performance.now();
        // The addresses, while the connection exists: a failed handshake reports them.
        if (this.#tls) this.#tcpInfo ??= this.#readInfo();
        break;
      case LmwEvent.CONNECTED:
        this.#tcpUpAt ??= performance.now();
        this.#onConnected();
        break;
      case LmwEvent.READABLE:
        this.#wake();
        break;
      case LmwEvent.EOF:
        this.#eof = true;
        this.#wake();
        break;
      case LmwEvent.WRITABLE:
        this.#wakeWriter?.();
        break;
      case LmwEvent.ERROR:
        this.#fail(this.#errorFor(arg));
        break;
      case LmwEvent.CLOSED:
        this.#finish();
        break;
    }
  }

  #onConnected(): void {
    if (this.#connected) return;
    this.#connected = true;
    this.#info = this.#readInfo();
    this.#opened.resolve(this.#info);
    this.#wakeWriter?.();
  }

  #readInfo(): SocketInfo {
    const text = this.#readText((m) => m._lmw_conn_info);
    return text === undefined ? { localAddress: "", remoteAddress: "" } : parseConnInfo(text);
  }

  /** The "key=value" text of an lmw_conn_* export (lmw_conn_info, lmw_conn_tls_failure),
   *  growing the buffer to the length it reports. */
  #readText(pick: (mod: Stack["mod"]) => (c: number, buf: number, cap: number, len: number) => number): string | undefined {
    if (this.#ptr === 0) return undefined;
    const { mem, mod } = this.stack;
    const read = pick(mod).bind(mod);
    let cap = 8192;
    for (;;) {
      using buf = mem.alloc(cap);
      using len = mem.alloc(4);
      const err = read(this.#ptr, buf.ptr, cap, len.ptr);
      if (err === 0) return mem.readCString(buf.ptr, cap);
      if (len.u32() < cap) return undefined;
      cap = len.u32() + 1;
    }
  }

  /** The chain and alert a failed handshake left (lmw_conn_tls_failure). */
  #readFailure(): TlsFailure {
    const text = this.#readText((m) => m._lmw_conn_tls_failure);
    return text === undefined ? { certificates: [] } : parseTlsFailure(text);
  }

  #errorFor(lwipErr: number): LmwError {
    if (lwipErr === LwipErr.ERR_RST && this.#localPort !== 0) {
      const why = this.explainReset?.(this.#localPort);
      if (why) return why;
    }
    const { mod } = this.stack;
    const tlsErr = this.#ptr ? mod._lmw_conn_tls_error(this.#ptr) : 0;
    const flags = this.#ptr ? mod._lmw_conn_verify_flags(this.#ptr) >>> 0 : 0;
    if (this.#tls && tlsErr !== 0 && !this.#connected) {
      const failure = this.#readFailure();
      if (this.#tcpInfo?.remoteAddress) {
        failure.localAddress = this.#tcpInfo.localAddress;
        failure.remoteAddress = this.#tcpInfo.remoteAddress;
      }
      const error = tlsHandshakeError(tlsErr, flags, this.#servername, failure.alert);
      attachTlsFailure(error, failure);
      return error;
    }
    if (this.#tls && tlsErr !== 0) {
      return new LmwError("ERR_TLS_RECORD", `TLS failed on an open connection: ${mbedtlsErrorName(tlsErr)}`, { layer: "mbedtls", nativeCode: tlsErr });
    }
    if (this.#tls && !this.#connected && lwipErr === LwipErr.ERR_CLSD) {
      return new LmwError("ERR_TLS_HANDSHAKE_FAILED", "the connection closed during the TLS handshake", { layer: "mbedtls", nativeCode: lwipErr });
    }
    return connectionError(lwipErr, this.#connected ? "open" : "connect");
  }

  #wake(): void {
    const w = this.#wakeReader;
    this.#wakeReader = undefined;
    w?.();
  }

  async #pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    for (;;) {
      if (this.#ptr !== 0) {
        const { mem, mod } = this.stack;
        const { data, out } = mem.scratch(CHUNK);
        mod._lmw_conn_read(this.#ptr, data, CHUNK, out);
        const len = mem.u32(out);
        if (len > 0) {
          this.stack.kick(); // the window update goes out
          controller.enqueue(mem.copyOut(data, len));
          return;
        }
      }
      if (this.#error) {
        this.#readDone = true;
        controller.error(this.#error);
        return;
      }
      if (this.#eof || this.#ptr === 0) {
        this.#readDone = true;
        controller.close();
        this.#maybeFinished();
        return;
      }
      await new Promise<void>((resolve) => (this.#wakeReader = resolve));
    }
  }

  async #write(chunk: Uint8Array): Promise<void> {
    if (!(chunk instanceof Uint8Array)) throw new TypeError("write() takes Uint8Array chunks");
    if (!this.#connected) {
      await Promise.race([this.#opened.promise, this.#closed.promise]);
    }
    let off = 0;
    while (off < chunk.length) {
      if (this.#error) throw this.#error;
      if (this.#ptr === 0 || this.#closing) throw new LmwError("ERR_SOCKET_CLOSED", "write after close", { layer: "api" });
      const { mem, mod } = this.stack;
      const n = Math.min(chunk.length - off, CHUNK);
      const { data, out } = mem.scratch(n);
      mod.HEAPU8.set(chunk.subarray(off, off + n), data);
      const err = mod._lmw_conn_write(this.#ptr, data, n, out);
      this.stack.kick();
      if (err !== 0) throw this.#errorFor(err);
      const written = mem.u32(out);
      off += written;
      if (written === 0) {
        await new Promise<void>((resolve) => (this.#wakeWriter = resolve));
        this.#wakeWriter = undefined;
      }
    }
  }

  #fail(error: LmwError): void {
    if (this.#error) return;
    this.#error = error;
    this.#opened.reject(error);
    this.#closed.reject(error);
    this.#wake();
    this.#wakeWriter?.();
    this.#free();
  }

  #maybeFinished(): void {
    // Both directions are done: release the connection.
    if (this.#readDone && this.#eof && this.#writeDone && !this.#closing && this.#ptr !== 0) void this.close();
  }

  #finish(): void {
    this.#eof = true;
    this.#wake();
    this.#free();
    this.#closed.resolve();
  }

  #free(): void {
    const ptr = this.#ptr;
    this.#ptr = 0;
    this.stack.freeConn(ptr, this.#id);
  }

  /** TLS: the session so far, for resumption (TLS 1.3: the last ticket received). */
  getSession(): TlsSession | undefined {
    if (!this.#tls || this.#ptr === 0 || !this.#connected) return undefined;
    using out = this.stack.mem.alloc(4);
    if (this.stack.mod._lmw_conn_get_session(this.#ptr, out.ptr) !== 0) return undefined;
    return new TlsSession(this.stack, out.u32());
  }

  /** Called with the session just before the connection closes (a session cache). */
  onSession: ((session: TlsSession) => void) | undefined;

  async close(): Promise<void> {
    if (this.onSession && this.#ptr !== 0 && !this.#closing) {
      const s = this.getSession();
      if (s) this.onSession(s);
    }
    if (this.#ptr !== 0 && !this.#closing) {
      this.#closing = true;
      this.stack.mod._lmw_conn_close(this.#ptr);
      this.stack.kick();
    }
    if (!this.#connected) this.#opened.reject(new LmwError("ERR_SOCKET_CLOSED", "closed before it opened", { layer: "api" }));
    try {
      await this.#closed.promise;
    } catch {
      /* close() reports completion, not the failure that ended the socket */
    }
  }

  /** `await using socket = ...` closes it gracefully. */
  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  destroy(reason?: unknown): void {
    if (this.#error || (this.#ptr === 0 && this.#closing)) return;
    const error =
      reason instanceof LmwError ? reason
        : new LmwError(reason instanceof Error && reason.name === "AbortError" ? "ERR_ABORTED" : "ERR_SOCKET_DESTROYED",
          reason instanceof Error ? reason.message : "socket destroyed", { layer: "api", cause: reason });
    if (this.#ptr !== 0) {
      this.stack.mod._lmw_conn_abort(this.#ptr);
      this.stack.kick();
    }
    this.#fail(error);
  }
}
