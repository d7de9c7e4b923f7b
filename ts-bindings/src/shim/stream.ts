// One Wisp stream (TCP or UDP) inside a multiplexed connection: the target socket, the
// client's data queued for it (bounded in bytes), and flow control (CONTINUE) back to
// the client. Its resources end with it: the queue, its bytes in the connection's count,
// its timers and the target socket, also when the client closed it first (then the
// socket may flush what was queued, for a bounded time, and counts as a stream until then).

import * as net from "node:net";
import * as dgram from "node:dgram";
import { CloseReason, closeReasonName, encodeClose, encodeContinue, encodeData } from "../wisp/packet.js";
import type { ShimContext, StreamAccount } from "./connection.js";
import type { MuxConnection } from "./mux.js";
import type { StreamStats } from "./options.js";
import { connectErrorReason, type Resolved } from "./policy.js";

/** Largest DATA payload the shim sends to a client (target reads are split to this). */
export const OUT_CHUNK = 64 * 1024;
/** UDP: datagrams queued before the socket is up. */
const UDP_EARLY_QUEUE = 16;

export class WispStream implements StreamAccount {
  state: "resolving" | "connecting" | "open" | "draining" | "closed" = "resolving";
  tcp: net.Socket | undefined;
  udp: dgram.Socket | undefined;
  queue: Uint8Array[] = [];
  queuedBytes = 0;
  consumedSinceContinue = 0;
  /** We told the client it has no credit (the queue is over its byte limit). */
  creditWithheld = false;
  waitingDrain = false;
  pendingToClientBytes = 0;
  maxPendingToClientBytes = 0;
  pauseCount = 0;
  paused = false;
  /** Whether this stream's refusal was logged (refusals are logged a few per connection). */
  refused = false;
  connectTimer: NodeJS.Timeout | undefined;
  idleTimer: NodeJS.Timeout | undefined;
  drainTimer: NodeJS.Timeout | undefined;

  constructor(
    readonly conn: MuxConnection,
    readonly id: number,
    readonly kind: "tcp" | "udp",
    readonly host: string,
    readonly port: number,
  ) {}

  get shim(): ShimContext {
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

  /** Over its byte limit: the connection must not be read until it drains. */
  get overLimit(): boolean {
    return this.queuedBytes > this.shim.opts.streamBufferBytes;
  }

  async open(): Promise<void> {
    const r = await this.shim.policy.resolve(this.host, this.port, this.conn.token, this.conn.dns);
    if (this.state === "closed" || r === null) return;
    if (!r.ok) {
      this.conn.logRefusal({ stream: this.id, host: this.host, port: this.port, reason: closeReasonName(r.reason), why: r.why });
      this.refused = true;
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
    if (this.state !== "open") return;
    for (let off = 0; off < chunk.length; off += OUT_CHUNK) {
      this.conn.send(encodeData(this.id, chunk.subarray(off, Math.min(chunk.length, off + OUT_CHUNK))), this);
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

  private enqueue(data: Uint8Array): void {
    this.queue.push(data);
    this.queuedBytes += data.length;
    this.conn.addQueued(data.length);
  }

  private dequeue(): Uint8Array {
    const chunk = this.queue.shift()!;
    this.queuedBytes -= chunk.length;
    this.conn.addQueued(-chunk.length);
    return chunk;
  }

  /** Client DATA for this stream. */
  fromClient(data: Uint8Array): void {
    if (data.length > this.shim.opts.maxPacketBytes) {
      // Over the configured limit: this stream ends, the others and the WebSocket go on.
      this.shim.log({ level: "warn", event: "packet_too_large", conn: this.conn.id, stream: this.id, bytes: data.length });
      return this.close(CloseReason.THROTTLED);
    }
    if (this.kind === "udp") {
      if (this.state === "open") {
        this.idleTimer?.refresh();
        this.udp!.send(data);
      } else if (this.queue.length < UDP_EARLY_QUEUE && data.length <= OUT_CHUNK) {
        this.enqueue(data);
      }
      return;
    }
    this.enqueue(data);
    this.pump();
    if (this.overLimit && !this.creditWithheld && this.state !== "closed") {
      // No more credit until the queue is under half its limit again.
      this.creditWithheld = true;
      this.conn.send(encodeContinue(this.id, 0));
    }
    this.conn.updateReading();
  }

  /** Moves queued client data into the target socket, as fast as it takes it. */
  pump(): void {
    if (this.state !== "open" && this.state !== "draining") return;
    if (this.kind === "udp") {
      while (this.queue.length > 0) this.udp!.send(this.dequeue());
      return;
    }
    const socket = this.tcp!;
    const n = this.shim.opts.bufferPackets;
    while (this.queue.length > 0 && !this.waitingDrain) {
      const ok = socket.write(this.dequeue());
      this.consumedSinceContinue++;
      if (!ok) {
        this.waitingDrain = true;
        socket.once("drain", () => {
          this.waitingDrain = false;
          this.conn.progress = true;
          this.pump();
        });
      }
    }
    if (this.state === "draining") {
      if (this.queue.length === 0) this.finishDrain();
      return;
    }
    const half = this.shim.opts.streamBufferBytes / 2;
    if (this.creditWithheld ? this.queuedBytes <= half : this.consumedSinceContinue >= n / 2) {
      if (this.queuedBytes <= half) {
        this.creditWithheld = false;
        this.consumedSinceContinue = 0;
        this.conn.send(encodeContinue(this.id, n - this.queue.length));
      }
    }
    this.conn.updateReading();
  }

  /** The client closed the stream: deliver what it already sent, then FIN. The stream
   *  keeps its place (and its bytes) in the connection's counts until the queue is
   *  flushed, for at most connectTimeoutMs; then the socket is destroyed. */
  closeFromClient(reason: number): void {
    if (this.state === "closed" || this.state === "draining") return;
    this.shim.log({ level: "info", event: "stream_closed_by_client", conn: this.conn.id, stream: this.id, reason: closeReasonName(reason) });
    const socket = this.tcp;
    if (!socket || this.state !== "open" || this.queue.length === 0) return this.close(reason, false);
    this.state = "draining";
    this.conn.startDraining(this);
    clearTimeout(this.idleTimer);
    for (const ev of ["data", "end", "timeout"]) socket.removeAllListeners(ev);
    socket.on("data", () => {});
    socket.resume();
    this.drainTimer = setTimeout(() => this.close(CloseReason.DATA_TIMEOUT, false), this.shim.opts.connectTimeoutMs);
    this.pump();
  }

  private finishDrain(): void {
    // The queue is in the socket now; end it and let the kernel deliver it. The stream
    // keeps its place until the socket closes; its drain timer (still running) destroys
    // a socket whose target never reads.
    if (this.tcp!.writable) this.tcp!.end();
  }

  /** Gives back the queue's bytes and the stream's place. */
  private release(): void {
    if (this.queuedBytes > 0) this.conn.addQueued(-this.queuedBytes);
    this.queue = [];
    this.queuedBytes = 0;
    this.state = "closed";
    clearTimeout(this.connectTimer);
    clearTimeout(this.idleTimer);
    this.conn.forget(this);
  }

  /** Closes the stream now; tells the client unless `notify` is false. */
  close(reason: number, notify = true): void {
    if (this.state === "closed") return;
    const wasDraining = this.state === "draining";
    clearTimeout(this.drainTimer);
    this.release();
    this.tcp?.destroy();
    if (this.udp) {
      try {
        this.udp.close();
      } catch {
        /* already closed */
      }
    }
    if (notify && !wasDraining) this.conn.send(encodeClose(this.id, reason));
    if (!this.refused) {
      this.shim.log({ level: "info", event: "stream_closed", conn: this.conn.id, stream: this.id, reason: closeReasonName(reason) });
    }
  }
}
