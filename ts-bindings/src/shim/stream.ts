// One Wisp stream (TCP or UDP) inside a multiplexed connection: the target socket, the
// client's data queued for it, and flow control (CONTINUE) back to the client.

import * as net from "node:net";
import * as dgram from "node:dgram";
import { CloseReason, HEADER_SIZE, closeReasonName, encodeClose, encodeContinue, encodeData } from "../wisp/packet.js";
import type { ShimContext, StreamAccount } from "./connection.js";
import type { MuxConnection } from "./mux.js";
import type { StreamStats } from "./options.js";
import { connectErrorReason, type Resolved } from "./policy.js";

/** One Wisp stream (TCP or UDP) inside a multiplexed connection. */
export class WispStream implements StreamAccount {
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

