// WispDialer: the Dialer a browser uses. Streams are multiplexed over one WebSocket to a
// Wisp v1 server (our shim, or any other Wisp server).
//
// Behaviour worth knowing:
// - Wisp v1 has no connect acknowledgement. dialTcp resolves right after CONNECT is
//   sent; a refusal arrives as CLOSE and errors `readable` (and later writes) with the
//   mapped LmwError (0x44 -> ERR_CONNECTION_REFUSED, ...). The router then resets the
//   device's connection and keeps this error as the reason, so the device's socket
//   reports it rather than a bare reset.
// - Sending honours Wisp flow control: no DATA while the stream's credit is 0; writes
//   wait for CONTINUE. Payloads are split to fit the server's 64 KiB message limit.
// - Receiving: Wisp v1 has no receive-side flow control, so incoming DATA is always
//   enqueued. `readable` uses a byte-length strategy (default 1 MiB), so a slow reader
//   sees desiredSize go negative, but the bytes are still buffered here.
// - Wisp has no half-close: closing `writable` does not send CLOSE while `readable` is
//   still open (that would cut off the response); CLOSE is sent once the server ends the
//   stream, the reader cancels, or destroy() is called.
// - A lost WebSocket fails every open stream with ERR_WISP_CONNECTION_LOST; the next
//   dial opens a new WebSocket.
//
// One file past 400 lines on purpose: the connection (WebSocket, stream table, CONTINUE
// credit), its TCP streams and UDP flows, and the dialer over them share one stream
// protocol and are read together. Its seam, should it grow: WispConnection | the streams
// (WispTcpStream, WispUdpFlow) | WispDialer.

import { LmwError, type ErrorCode } from "../errors.js";
import type { DialedDatagrams, DialedStream, Dialer } from "./types.js";
import {
  CloseReason,
  HEADER_SIZE,
  PacketType,
  StreamType,
  closeReasonName,
  decodePacket,
  encodeClose,
  encodeConnect,
  encodeData,
  type StreamTypeValue,
  type WispPacket,
} from "../wisp/packet.js";

/** The part of the WHATWG WebSocket this dialer uses (the `ws` package fits too). */
export interface WebSocketLike {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}
export type WebSocketConstructor = new (url: string, protocols?: string | string[]) => WebSocketLike;

export interface WispDialerOptions {
  /** The Wisp endpoint, e.g. "ws://127.0.0.1:8080/wisp/" (must end in "/"); may carry ?token=. */
  url: string;
  /** WebSocket implementation. Default: the global WebSocket, else `ws` (Node). */
  WebSocket?: WebSocketConstructor;
  /** Bytes `readable` buffers before it reports backpressure. Default 1 MiB. */
  readableHighWaterMark?: number;
  /** Time allowed for the WebSocket to open and the server's first CONTINUE. Default 10 s. */
  openTimeoutMs?: number;
  /** Largest DATA payload sent. Default 64 KiB minus the 5-byte header. */
  maxDataPayload?: number;
}

/** The code each Wisp CLOSE reason stands for; any other reason is ERR_WISP_CLOSED. */
const CLOSE_CODES: Record<number, [ErrorCode, string]> = {
  [CloseReason.NAME_NOT_RESOLVED]: ["ERR_DNS_NOT_FOUND", "the relay could not resolve the name"],
  [CloseReason.BLOCKED]: ["ERR_BLOCKED_BY_RELAY", "the relay's policy blocks this destination"],
  [CloseReason.REFUSED]: ["ERR_CONNECTION_REFUSED", "connection refused"],
  [CloseReason.UNREACHABLE]: ["ERR_HOST_UNREACHABLE", "host or network unreachable from the relay"],
  [CloseReason.CONNECT_TIMEOUT]: ["ERR_TIMEOUT_CONNECT", "the relay's connection attempt timed out"],
  [CloseReason.DATA_TIMEOUT]: ["ERR_TIMEOUT_IDLE", "the stream was idle too long"],
  [CloseReason.THROTTLED]: ["ERR_THROTTLED", "the relay is throttling"],
  [CloseReason.INVALID_INFO]: ["ERR_INVALID_TARGET", "the relay refused the target as invalid"],
  [CloseReason.NETWORK_ERROR]: ["ERR_CONNECTION_RESET", "network error at the relay"],
};

/** The LmwError a Wisp CLOSE reason stands for; `nativeCode` is the reason. */
export function wispCloseError(reason: number, target?: string): LmwError {
  const [code, text] = CLOSE_CODES[reason] ?? ["ERR_WISP_CLOSED", "closed"];
  return new LmwError(code, `${text} (${target ?? "Wisp stream"}; Wisp CLOSE ${closeReasonName(reason)})`, {
    layer: "wisp",
    nativeCode: reason,
  });
}

function lost(message: string, cause?: unknown): LmwError {
  return new LmwError("ERR_WISP_CONNECTION_LOST", message, { layer: "wisp", cause });
}

function abortError(signal: AbortSignal): LmwError {
  return new LmwError("ERR_ABORTED", "dial aborted", { layer: "wisp", cause: signal.reason });
}

let wsModule: Promise<WebSocketConstructor> | undefined;
async function defaultWebSocket(): Promise<WebSocketConstructor> {
  const g = (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket;
  if (g) return g;
  // Node without a global WebSocket: load `ws` lazily, and hide the name from bundlers.
  const name = "ws";
  wsModule ??= import(/* @vite-ignore */ name).then(
    (m: { WebSocket?: WebSocketConstructor; default?: WebSocketConstructor }) => (m.WebSocket ?? m.default)!,
  );
  return wsModule;
}

interface StreamSink {
  onData(data: Uint8Array): void;
  onContinue(credit: number): void;
  onClose(reason: number): void;
  onLost(err: LmwError): void;
}

class WispConnection {
  readonly streams = new Map<number, StreamSink>();
  initialCredit = 0;
  open = false;
  closed = false;
  private nextId = 1;
  readonly ready: Promise<void>;
  /** Resolves when the WebSocket has closed. */
  readonly finished: Promise<void>;

  constructor(
    readonly ws: WebSocketLike,
    openTimeoutMs: number,
    private readonly onGone: (c: WispConnection) => void,
  ) {
    let resolveReady!: () => void;
    let rejectReady!: (e: LmwError) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    this.ready.catch(() => {});
    let resolveClosed!: () => void;
    this.finished = new Promise((res) => (resolveClosed = res));
    const timer = setTimeout(() => {
      rejectReady(new LmwError("ERR_TIMEOUT_CONNECT", "Wisp server did not answer in time", { layer: "wisp" }));
      this.fail(lost("Wisp server did not answer in time"));
    }, openTimeoutMs);
    ws.binaryType = "arraybuffer";
    ws.onmessage = (ev) => {
      const data = ev.data;
      if (!(data instanceof ArrayBuffer)) return this.fail(lost("Wisp server sent a text frame"));
      let packet: WispPacket;
      try {
        packet = decodePacket(new Uint8Array(data));
      } catch (err) {
        return this.fail(lost("Wisp server sent a malformed packet", err));
      }
      if (packet.streamId === 0) {
        if (!this.open && packet.type === PacketType.CONTINUE) {
          this.open = true;
          this.initialCredit = packet.bufferRemaining;
          clearTimeout(timer);
          resolveReady();
        } else if (!this.open && packet.type === PacketType.CLOSE) {
          clearTimeout(timer);
          rejectReady(wispCloseError(packet.reason, "the Wisp server"));
          this.fail(lost("Wisp server refused the connection"));
        }
        return;
      }
      const s = this.streams.get(packet.streamId);
      if (!s) return;
      switch (packet.type) {
        case PacketType.DATA:
          return s.onData(packet.data);
        case PacketType.CONTINUE:
          return s.onContinue(packet.bufferRemaining);
        case PacketType.CLOSE:
          this.streams.delete(packet.streamId);
          return s.onClose(packet.reason);
        default:
          return; // a server never sends CONNECT
      }
    };
    ws.onerror = () => {};
    ws.onclose = (ev) => {
      clearTimeout(timer);
      const err = lost(`Wisp WebSocket closed (code ${ev.code}${ev.reason ? `, ${ev.reason}` : ""})`);
      if (!this.open) {
        rejectReady(
          new LmwError("ERR_WISP_CONNECT_FAILED", `cannot open the Wisp WebSocket (code ${ev.code})`, { layer: "wisp", nativeCode: ev.code }),
        );
      }
      this.fail(err);
      resolveClosed();
    };
  }

  /** Fails every stream and drops the WebSocket. */
  fail(err: LmwError): void {
    if (!this.closed) {
      this.closed = true;
      this.onGone(this);
      try {
        this.ws.close(1000);
      } catch {
        /* already closing */
      }
    }
    const streams = [...this.streams.values()];
    this.streams.clear();
    for (const s of streams) s.onLost(err);
  }

  allocateId(): number {
    for (;;) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0xffff_ffff ? 1 : this.nextId + 1;
      if (!this.streams.has(id)) return id;
    }
  }

  send(bytes: Uint8Array): void {
    if (this.closed) return;
    this.ws.send(bytes);
  }

  closeStream(id: number, reason: number): void {
    if (this.streams.delete(id)) this.send(encodeClose(id, reason));
  }

  async shutdown(): Promise<void> {
    this.fail(new LmwError("ERR_DIALER_CLOSED", "the dialer was closed", { layer: "wisp" }));
    await this.finished;
  }
}

class WispTcpStream implements DialedStream, StreamSink {
  readonly readable: ReadableStream<Uint8Array>;
  readonly writable: WritableStream<Uint8Array>;
  private readCtl!: ReadableStreamDefaultController<Uint8Array>;
  private writeCtl!: WritableStreamDefaultController;
  private credit: number;
  private creditWaiter: (() => void) | undefined;
  private error: LmwError | undefined;
  private done = false;
  private writableClosed = false;

  constructor(
    private readonly conn: WispConnection,
    readonly id: number,
    private readonly target: string,
    highWaterMark: number,
    private readonly maxPayload: number,
  ) {
    this.credit = conn.initialCredit;
    this.readable = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.readCtl = c;
        },
        cancel: () => {
          this.finish(undefined, CloseReason.VOLUNTARY);
        },
      },
      new ByteLengthQueuingStrategy({ highWaterMark }),
    );
    this.writable = new WritableStream<Uint8Array>({
      start: (c) => {
        this.writeCtl = c;
      },
      write: (chunk) => this.write(chunk),
      close: () => {
        // No half-close in Wisp: keep reading; CLOSE goes out when the stream ends.
        this.writableClosed = true;
      },
      abort: (reason) => {
        this.finish(new LmwError("ERR_STREAM_DESTROYED", "the writable side was aborted", { layer: "wisp", cause: reason }), CloseReason.VOLUNTARY);
      },
    });
  }

  private async write(chunk: Uint8Array): Promise<void> {
    for (let off = 0; off < chunk.length; off += this.maxPayload) {
      while (this.credit <= 0 && !this.done) {
        await new Promise<void>((resolve) => (this.creditWaiter = resolve));
      }
      if (this.done) throw this.error ?? wispCloseError(CloseReason.VOLUNTARY, this.target);
      this.conn.send(encodeData(this.id, chunk.subarray(off, Math.min(chunk.length, off + this.maxPayload))));
      this.credit--;
    }
  }

  private wake(): void {
    const w = this.creditWaiter;
    this.creditWaiter = undefined;
    w?.();
  }

  onData(data: Uint8Array): void {
    if (this.done) return;
    // A view into the WebSocket message: each message is a fresh ArrayBuffer of ours
    // (binaryType "arraybuffer"), so no copy is needed.
    this.readCtl.enqueue(data);
  }

  onContinue(credit: number): void {
    this.credit = credit;
    if (credit > 0) this.wake();
  }

  onClose(reason: number): void {
    if (this.done) return;
    this.done = true;
    this.error = wispCloseError(reason, this.target);
    if (reason === CloseReason.VOLUNTARY) {
      // The server finished: the reader gets a clean end. The writable is not errored
      // (that would reset what is still being delivered); later writes fail in write().
      this.readCtl.close();
    } else {
      this.readCtl.error(this.error);
      if (!this.writableClosed) this.writeCtl.error(this.error);
    }
    this.wake();
  }

  onLost(err: LmwError): void {
    if (this.done) return;
    this.done = true;
    this.error = err;
    this.readCtl.error(err);
    if (!this.writableClosed) this.writeCtl.error(err);
    this.wake();
  }

  private finish(err: LmwError | undefined, reason: number): void {
    if (this.done) return;
    this.done = true;
    this.error = err ?? new LmwError("ERR_STREAM_DESTROYED", "the stream was closed locally", { layer: "wisp" });
    this.conn.closeStream(this.id, reason);
    try {
      if (err) this.readCtl.error(err);
      else this.readCtl.close();
    } catch {
      /* the reader cancelled: the controller is already closed */
    }
    if (!this.writableClosed) this.writeCtl.error(this.error);
    this.wake();
  }

  destroy(reason?: unknown): void {
    this.finish(new LmwError("ERR_STREAM_DESTROYED", "the stream was destroyed", { layer: "wisp", cause: reason }), CloseReason.VOLUNTARY);
  }
}

class WispUdpFlow implements DialedDatagrams, StreamSink {
  private handler: ((d: Uint8Array) => void) | undefined;
  private done = false;
  constructor(
    private readonly conn: WispConnection,
    readonly id: number,
    private readonly maxPayload: number,
  ) {}
  send(datagram: Uint8Array): void {
    if (this.done) return;
    if (datagram.length > this.maxPayload) {
      throw new LmwError("ERR_DATAGRAM_TOO_LARGE", `datagram of ${datagram.length} bytes exceeds ${this.maxPayload}`, { layer: "wisp" });
    }
    this.conn.send(encodeData(this.id, datagram));
  }
  onMessage(handler: (datagram: Uint8Array) => void): void {
    this.handler = handler;
  }
  close(): void {
    if (this.done) return;
    this.done = true;
    this.conn.closeStream(this.id, CloseReason.VOLUNTARY);
  }
  onData(data: Uint8Array): void {
    if (!this.done) this.handler?.(data); // a view into a message of its own, as onData
  }
  onContinue(): void {}
  onClose(): void {
    this.done = true;
  }
  onLost(): void {
    this.done = true;
  }
}

export class WispDialer implements Dialer {
  private conn: WispConnection | undefined;
  private readonly all = new Set<WispConnection>();
  private closed = false;
  private readonly hwm: number;
  private readonly maxPayload: number;

  constructor(private readonly options: WispDialerOptions) {
    const u = new URL(options.url);
    if (!u.pathname.endsWith("/")) throw new LmwError("ERR_INVALID_ARG", "Wisp endpoint URLs end in '/'", { layer: "wisp" });
    this.hwm = options.readableHighWaterMark ?? 1 << 20;
    this.maxPayload = options.maxDataPayload ?? 65536 - HEADER_SIZE;
  }

  /** The current WebSocket, opened (or re-opened after a loss) on demand. */
  private async connection(signal?: AbortSignal): Promise<WispConnection> {
    if (this.closed) throw new LmwError("ERR_DIALER_CLOSED", "the dialer was closed", { layer: "wisp" });
    if (!this.conn) {
      const WS = this.options.WebSocket ?? (await defaultWebSocket());
      if (this.closed) throw new LmwError("ERR_DIALER_CLOSED", "the dialer was closed", { layer: "wisp" });
      if (!this.conn) {
        let ws: WebSocketLike;
        try {
          ws = new WS(this.options.url);
        } catch (cause) {
          throw new LmwError("ERR_WISP_CONNECT_FAILED", `cannot open ${this.options.url}`, { layer: "wisp", cause });
        }
        const c = new WispConnection(ws, this.options.openTimeoutMs ?? 10_000, (gone) => {
          if (this.conn === gone) this.conn = undefined;
        });
        this.conn = c;
        this.all.add(c);
        void c.finished.then(() => this.all.delete(c));
      }
    }
    const c = this.conn;
    if (!signal) {
      await c.ready;
      return c;
    }
    if (signal.aborted) throw abortError(signal);
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortError(signal));
      signal.addEventListener("abort", onAbort, { once: true });
      c.ready.then(
        () => {
          signal.removeEventListener("abort", onAbort);
          resolve();
        },
        (e: unknown) => {
          signal.removeEventListener("abort", onAbort);
          reject(e);
        },
      );
    });
    return c;
  }

  private async openStream<T extends StreamSink>(
    type: StreamTypeValue,
    target: { host: string; port: number },
    signal: AbortSignal | undefined,
    make: (conn: WispConnection, id: number) => T,
  ): Promise<T> {
    if (signal?.aborted) throw abortError(signal);
    const host = target.host.startsWith("[") && target.host.endsWith("]") ? target.host.slice(1, -1) : target.host;
    const conn = await this.connection(signal);
    if (conn.closed) throw lost("Wisp WebSocket closed");
    const id = conn.allocateId();
    let packet: Uint8Array;
    try {
      packet = encodeConnect(id, type, host, target.port);
    } catch (cause) {
      throw new LmwError("ERR_INVALID_TARGET", `invalid target ${host}:${target.port}`, { layer: "wisp", cause });
    }
    const sink = make(conn, id);
    conn.streams.set(id, sink);
    conn.send(packet);
    return sink;
  }

  dialTcp(target: { host: string; port: number }, options?: { signal?: AbortSignal }): Promise<DialedStream> {
    return this.openStream(StreamType.TCP, target, options?.signal, (conn, id) => {
      return new WispTcpStream(conn, id, `${target.host}:${target.port}`, this.hwm, this.maxPayload);
    });
  }

  dialUdp(target: { host: string; port: number }, options?: { signal?: AbortSignal }): Promise<DialedDatagrams> {
    return this.openStream(StreamType.UDP, target, options?.signal, (conn, id) => new WispUdpFlow(conn, id, this.maxPayload));
  }

  async close(): Promise<void> {
    this.closed = true;
    this.conn = undefined;
    await Promise.all([...this.all].map((c) => c.shutdown()));
  }
}
