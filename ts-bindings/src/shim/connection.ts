// What both connection forms (mux and raw) share: the WebSocket, keep-alive, and the
// byte accounting of everything the connection holds (see limits.ts). Connections see
// the server only through ShimContext, so this file and the forms do not import it.

import type * as net from "node:net";
import { WebSocket } from "ws";
import type { DnsClient } from "./dns.js";
import { MESSAGE_OVERHEAD, clientFrameBytes, type Budget } from "./limits.js";
import type { ShimLogger } from "./logger.js";
import type { ConnectionStats, ResolvedOptions, StreamStats } from "./options.js";
import type { TargetPolicy } from "./policy.js";

/** Counts the bytes arriving on an upgraded socket. Its listener goes before `ws`'s
 *  (prepended), so that a message is counted as arriving before `ws` delivers it. It is
 *  attached after `ws` took the socket: a 'data' listener attached earlier would set the
 *  socket flowing, and the upgrade's head, which `ws` puts back with unshift(), would
 *  then be emitted before `ws` listens (and lost). The head comes through here too. */
export class RxCounter {
  /** Bytes seen before a connection took over. */
  pending = 0;
  onData: (n: number) => void = (n) => (this.pending += n);
  constructor(socket: net.Socket) {
    socket.prependListener("data", (chunk: Buffer) => this.onData(chunk.length));
  }
}

/** The server, as a connection sees it. */
export interface ShimContext {
  readonly opts: ResolvedOptions;
  readonly log: ShimLogger;
  readonly policy: TargetPolicy;
  readonly budget: Budget;
}

export interface StreamAccount {
  pendingToClientBytes: number;
  maxPendingToClientBytes: number;
}

export abstract class ConnectionBase {
  alive = true;
  /** We stopped reading this WebSocket (backpressure): its pongs cannot arrive either. */
  readPaused = false;
  /** Output to the client is above highWaterMark: targets are paused. */
  congested = false;
  closed = false;
  /** Bytes sent to the client and not yet flushed to its socket. */
  pendingToClientBytes = 0;
  /** Client bytes queued for targets (all streams). */
  queuedBytes = 0;
  /** Bytes of messages still arriving (received on the socket, not yet a message). */
  private rxBytes = 0;
  private rxDelivered = 0;
  private rxCounted = 0;
  maxPacketBytesSeen = 0;
  /** Something left our buffers since the last keep-alive tick. */
  progress = false;
  /** Reading was paused at the last keep-alive tick too. */
  pausedAtTick = false;

  constructor(
    readonly shim: ShimContext,
    readonly id: number,
    readonly ws: WebSocket,
    readonly socket: net.Socket,
    rx: RxCounter,
    readonly clientIp: string,
    readonly token: string | undefined,
    readonly dns: DnsClient,
  ) {
    ws.on("pong", (data: Buffer) => {
      this.alive = true;
      this.messageReceived(data.length, false);
    });
    ws.on("ping", (data: Buffer) => {
      this.messageReceived(data.length, false);
      this.onPing(data);
    });
    ws.on("error", (err) => {
      this.shim.log({ level: "warn", event: "websocket_error", conn: id, error: err.message });
    });
    rx.onData = (n) => {
      this.rxBytes += n;
      this.syncRx();
    };
    this.rxBytes = rx.pending;
    ws.once("close", () => {
      this.closed = true;
      this.dns.cancel();
      this.shim.budget.add(-this.rxCounted);
      this.rxCounted = 0;
    });
  }

  abstract start(): void;
  abstract refuseThrottled(): void;
  abstract streamStats(): StreamStats[];
  abstract shutdown(): Promise<void>;
  abstract onUncongested(): void;
  /** True while this connection must not be read (its own reasons, beyond the byte total). */
  protected abstract mustPause(): boolean;
  /** A paused connection made no progress for a whole tick. */
  abstract onStalled(): void;

  /** The client has more than twice highWaterMark of our output unread: replies that
   *  are only informative (pongs, CLOSE for unknown streams) are dropped. */
  get outputBlocked(): boolean {
    return this.pendingToClientBytes > 2 * this.shim.opts.highWaterMark;
  }

  /** Everything this connection holds, in bytes. */
  bufferedBytes(): number {
    return this.pendingToClientBytes + this.queuedBytes + this.rxCounted;
  }

  connectionStats(): ConnectionStats {
    return {
      id: this.id,
      bufferedBytes: this.bufferedBytes(),
      maxPacketBytesSeen: this.maxPacketBytesSeen,
      readPaused: this.readPaused,
      draining: 0,
    };
  }

  /** Accounts one whole message (or control frame) received (its payload length). */
  protected messageReceived(n: number, isMessage = true): void {
    if (isMessage && n > this.maxPacketBytesSeen) this.maxPacketBytesSeen = n;
    this.rxDelivered += clientFrameBytes(n);
    this.syncRx();
  }

  private syncRx(): void {
    // A partial message is an estimate (fragmented messages have more frame headers);
    // whatever is left under a frame header's size is taken to be that error.
    let partial = this.rxBytes - this.rxDelivered;
    if (partial < 16) {
      this.rxBytes = this.rxDelivered = 0;
      partial = 0;
    }
    const delta = partial - this.rxCounted;
    if (delta !== 0) {
      this.rxCounted = partial;
      this.shim.budget.add(delta);
      if (delta > 0) this.updateReading();
    }
  }

  /** Client (or target) bytes queued for a target, + or -. */
  addQueued(n: number): void {
    this.queuedBytes += n;
    this.shim.budget.add(n);
    if (n < 0) this.progress = true;
  }

  private onPing(data: Buffer): void {
    // autoPong is off: a pong is output like any other, and a peer that floods pings
    // without reading gets paused, not answered forever.
    if (this.ws.readyState !== WebSocket.OPEN || this.outputBlocked) return; // flooded: no pong
    const n = data.length + MESSAGE_OVERHEAD;
    this.account(n);
    this.ws.pong(data, false, () => this.flushed(n));
    this.updateReading();
  }

  private account(n: number, stream?: StreamAccount): void {
    this.pendingToClientBytes += n;
    this.shim.budget.add(n);
    if (stream) {
      stream.pendingToClientBytes += n;
      if (stream.pendingToClientBytes > stream.maxPendingToClientBytes) stream.maxPendingToClientBytes = stream.pendingToClientBytes;
    }
  }

  private flushed(n: number, stream?: StreamAccount): void {
    this.pendingToClientBytes -= n;
    this.shim.budget.add(-n);
    if (stream) stream.pendingToClientBytes -= n;
    this.progress = true;
    if (this.congested && this.ws.bufferedAmount <= this.shim.opts.highWaterMark / 2) {
      this.congested = false;
      this.onUncongested();
    }
    this.updateReading();
  }

  /** Sends one message; `stream` tracks the bytes per stream until flushed. */
  send(bytes: Uint8Array, stream?: StreamAccount): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const n = bytes.length + MESSAGE_OVERHEAD;
    this.account(n, stream);
    this.ws.send(bytes, { binary: true }, () => this.flushed(n, stream));
    if (!this.congested && this.ws.bufferedAmount > this.shim.opts.highWaterMark) this.congested = true;
    if (this.outputBlocked) this.updateReading();
  }

  /** Pauses or resumes reading the WebSocket from the byte counts. */
  updateReading(): void {
    if (this.closed) return;
    const limit = this.shim.opts.connectionBufferBytes;
    const held = this.bufferedBytes();
    if (!this.readPaused && (held > limit || this.outputBlocked || this.mustPause())) {
      this.readPaused = true;
      this.ws.pause();
      this.shim.log({ level: "debug", event: "connection_read_paused", conn: this.id, bufferedBytes: held });
    } else if (this.readPaused && held <= limit / 2 && this.pendingToClientBytes <= this.shim.opts.highWaterMark && !this.mustPause()) {
      this.readPaused = false;
      this.pausedAtTick = false;
      this.alive = true;
      this.ws.resume();
    }
  }

  /** Called by the keep-alive tick; returns false if the connection was dropped. */
  tick(): void {
    if (this.closed) return;
    if (this.readPaused) {
      if (this.pausedAtTick && !this.progress) this.onStalled();
      this.pausedAtTick = this.readPaused;
      this.progress = false;
      return;
    }
    this.progress = false;
    if (!this.alive) {
      this.shim.log({ level: "warn", event: "keepalive_timeout", conn: this.id });
      this.ws.terminate();
      return;
    }
    this.alive = false;
    try {
      this.ws.ping();
    } catch {
      /* closing */
    }
  }

  /** Drops the connection now (no close handshake). */
  drop(event: string, detail: Record<string, unknown> = {}): void {
    this.shim.log({ level: "warn", event, conn: this.id, client: this.clientIp, ...detail });
    this.ws.terminate();
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
