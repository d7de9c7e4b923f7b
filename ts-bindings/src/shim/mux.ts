// The multiplexed form (Wisp over one WebSocket): packets in, streams out.

import * as net from "node:net";
import type { RawData } from "ws";
import {
  CloseReason,
  PacketType,
  StreamType,
  WispDecodeError,
  decodePacket,
  encodeClose,
  encodeContinue,
  type WispPacket,
} from "../wisp/packet.js";
import { ConnectionBase } from "./connection.js";
import type { StreamStats } from "./options.js";
import { WispStream } from "./stream.js";

export class MuxConnection extends ConnectionBase {
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
