// The multiplexed form (Wisp over one WebSocket): packets in, streams out.
//
// Wisp v2 (the client asked for the `wisp-v2` subprotocol): the shim first sends INFO
// (version 2.0 and its extensions: UDP if allowed, password authentication if
// `passwords` is set, MOTD if `motd` is set), then the initial CONTINUE. INFO must come
// first: wisp-js 0.5's client takes a CONTINUE before INFO to mean v1. Clients differ on
// when they send their own INFO (wisp-js and newer wisp-mux right after ours, older
// wisp-mux after the CONTINUE), so without passwords the CONTINUE follows at once and
// the client's INFO, whenever it comes, only narrows the extensions (UDP if it lists
// it). With passwords, the CONTINUE waits for the client's INFO and its credentials
// (up to handshakeTimeoutMs), as wisp-js 0.5's server does: wrong ones get CLOSE 0xc0
// on stream 0, none 0xc2. A v1 client gets the initial CONTINUE at once (or, with
// passwords, CLOSE 0xc2).

import { createHash, timingSafeEqual } from "node:crypto";
import type { RawData } from "ws";
import {
  CloseReason,
  ExtensionId,
  PacketType,
  StreamType,
  WispDecodeError,
  decodePacket,
  decodePasswordCredentials,
  encodeClose,
  encodeContinue,
  encodeInfo,
  type InfoPacket,
  type WispExtension,
  type WispPacket,
} from "../wisp/packet.js";
import { ConnectionBase } from "./connection.js";
import type { ConnectionStats, StreamStats } from "./options.js";
import { WispStream } from "./stream.js";

/** Refusals logged per connection; past this they are counted, and summed up at its close. */
const REFUSALS_LOGGED = 3;

function digest(text: string): Buffer {
  return createHash("sha256").update(text).digest();
}

export class MuxConnection extends ConnectionBase {
  readonly streams = new Map<number, WispStream>();
  /** Streams the client closed whose target socket is still flushing. */
  readonly draining = new Set<WispStream>();
  /** "handshake": v2 with passwords, waiting for the client's INFO. */
  /** "refused": authentication failed or a protocol error; closing, input ignored. */
  private phase: "handshake" | "serving" | "refused" = "serving";
  private clientInfoSeen = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private udpAgreed = true;
  private refusals = 0;
  /** Called once the connection may open streams (after the v2 handshake). */
  onReady: () => void = () => {};
  v2 = false;

  start(): void {
    this.ws.on("message", (data, isBinary) => this.onMessage(data, isBinary));
    this.ws.on("close", (code) => this.onClose(code));
    if (!this.v2) {
      if (this.shim.opts.passwords) return this.refuseAuth(CloseReason.AUTH_MISSING_CREDENTIALS, "v1 client, passwords required");
      return this.ready();
    }
    const o = this.shim.opts;
    const enc = new TextEncoder();
    const exts: WispExtension[] = [];
    if (o.allowUdp) exts.push({ id: ExtensionId.UDP, metadata: new Uint8Array(0) });
    if (o.passwords) exts.push({ id: ExtensionId.PASSWORD, metadata: new Uint8Array([1]) }); // 1: required
    if (o.motd !== undefined) exts.push({ id: ExtensionId.MOTD, metadata: enc.encode(o.motd) });
    this.send(encodeInfo(2, 0, exts));
    this.udpAgreed = o.allowUdp;
    if (!o.passwords) return this.ready();
    this.phase = "handshake";
    this.handshakeTimer = setTimeout(() => {
      if (this.phase === "handshake") this.refuseAuth(CloseReason.AUTH_MISSING_CREDENTIALS, "no INFO in time");
    }, o.handshakeTimeoutMs);
  }

  /** The handshake is over: the initial CONTINUE, then streams. */
  private ready(): void {
    clearTimeout(this.handshakeTimer);
    this.phase = "serving";
    this.send(encodeContinue(0, this.shim.opts.bufferPackets));
    this.onReady();
  }

  private refuseAuth(reason: number, why: string): void {
    clearTimeout(this.handshakeTimer);
    this.phase = "refused"; // whatever else it sends is ignored
    this.shim.log({ level: "warn", event: "auth_refused", conn: this.id, client: this.clientIp, why });
    this.send(encodeClose(0, reason));
    this.ws.close(1008, "authentication failed");
  }

  private onClientInfo(info: InfoPacket): void {
    if (this.clientInfoSeen) return; // only the first one counts
    this.clientInfoSeen = true;
    const o = this.shim.opts;
    this.udpAgreed = o.allowUdp && info.extensions.some((e) => e.id === ExtensionId.UDP);
    if (this.phase !== "handshake") return;
    if (o.passwords) {
      const ext = info.extensions.find((e) => e.id === ExtensionId.PASSWORD);
      if (!ext) return this.refuseAuth(CloseReason.AUTH_MISSING_CREDENTIALS, "no credentials");
      const cred = decodePasswordCredentials(ext.metadata);
      const expected = cred && Object.hasOwn(o.passwords, cred.username) ? o.passwords[cred.username] : undefined;
      // Compare digests: constant time whatever the lengths.
      const good = cred !== null && typeof expected === "string" && timingSafeEqual(digest(expected), digest(cred.password));
      if (!good) return this.refuseAuth(CloseReason.AUTH_BAD_PASSWORD, "bad credentials");
      this.shim.log({ level: "info", event: "authenticated", conn: this.id, user: cred!.username });
    }
    this.ready();
  }

  refuseThrottled(): void {
    this.send(encodeClose(0, CloseReason.THROTTLED));
    this.ws.close(1013, "too many connections");
  }

  get inHandshake(): boolean {
    return this.phase === "handshake";
  }

  streamStats(): StreamStats[] {
    return [...this.streams.values(), ...this.draining].map((s) => s.stats());
  }

  override connectionStats(): ConnectionStats {
    return { ...super.connectionStats(), draining: this.draining.size };
  }

  onUncongested(): void {
    for (const s of this.streams.values()) s.resume();
  }

  protected mustPause(): boolean {
    for (const s of this.streams.values()) if (s.overLimit) return true;
    for (const s of this.draining) if (s.overLimit) return true;
    return false;
  }

  onStalled(): void {
    // Paused for a whole tick with nothing leaving our buffers. If the client is not
    // reading what we send, it is gone or hostile: drop it. Otherwise some target is
    // not reading: close the streams that hold us back, which frees the others.
    if (this.pendingToClientBytes > 0) return this.drop("stalled_client", { pendingToClientBytes: this.pendingToClientBytes });
    let closed = 0;
    for (const s of [...this.streams.values(), ...this.draining]) {
      if (s.queuedBytes > 0) {
        s.close(CloseReason.DATA_TIMEOUT);
        closed++;
      }
    }
    if (closed === 0) return this.drop("stalled_connection");
    this.shim.log({ level: "warn", event: "stalled_streams_closed", conn: this.id, streams: closed });
    this.updateReading();
  }

  pauseAll(): void {
    for (const s of this.streams.values()) s.pause();
  }

  startDraining(s: WispStream): void {
    this.streams.delete(s.id);
    this.draining.add(s);
  }

  forget(s: WispStream): void {
    if (this.streams.get(s.id) === s) this.streams.delete(s.id);
    this.draining.delete(s);
    this.updateReading();
  }

  logRefusal(detail: Record<string, unknown>): void {
    // A refused CONNECT is a few dozen bytes; its log must not be many times that.
    if (++this.refusals <= REFUSALS_LOGGED) this.shim.log({ level: "warn", event: "stream_refused", conn: this.id, ...detail });
  }

  private protocolError(why: string): void {
    this.phase = "refused"; // the rest of what it sent is ignored
    this.shim.log({ level: "warn", event: "protocol_error", conn: this.id, why });
    this.closeAll(CloseReason.INVALID_INFO);
    this.ws.resume();
    this.ws.close(1002, "malformed wisp packet");
  }

  private onMessage(data: RawData, isBinary: boolean): void {
    if (this.closed) return;
    const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? new Uint8Array(data) : data;
    this.messageReceived(bytes.length);
    if (this.phase === "refused") return;
    if (!isBinary) return this.protocolError("text frame");
    let packet: WispPacket;
    try {
      packet = decodePacket(bytes);
    } catch (err) {
      if (err instanceof WispDecodeError) return this.protocolError(err.message);
      throw err;
    }
    if (packet.type === PacketType.INFO) return this.onClientInfo(packet);
    if (this.phase === "handshake") return this.refuseAuth(CloseReason.AUTH_MISSING_CREDENTIALS, "packet before INFO");
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
        if (kind === "udp" && !this.udpAgreed) {
          this.send(encodeClose(packet.streamId, CloseReason.BLOCKED));
          return;
        }
        if (this.streams.size + this.draining.size >= this.shim.opts.maxStreamsPerConnection) {
          this.logRefusal({ stream: packet.streamId, reason: "THROTTLED", why: "too many streams" });
          this.send(encodeClose(packet.streamId, CloseReason.THROTTLED));
          return;
        }
        const s = new WispStream(this, packet.streamId, kind, packet.hostname, packet.port);
        this.streams.set(packet.streamId, s);
        s.open().catch((err: unknown) => {
          this.shim.log({ level: "error", event: "stream_open_failed", conn: this.id, stream: s.id, error: String(err) });
          s.close(CloseReason.UNKNOWN);
        });
        return;
      }
      case PacketType.DATA:
        if (!stream) {
          // Unknown (or already closed) stream: tell the client it is gone. The reply is
          // output like any other: a client that never reads is paused, then dropped;
          // meanwhile (the rest of a chunk already read) the replies are skipped.
          if (packet.streamId !== 0 && !this.outputBlocked) this.send(encodeClose(packet.streamId, CloseReason.INVALID_INFO));
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
    clearTimeout(this.handshakeTimer);
    for (const s of [...this.streams.values(), ...this.draining]) s.close(CloseReason.NETWORK_ERROR, false);
    if (this.refusals > REFUSALS_LOGGED) {
      this.shim.log({ level: "warn", event: "streams_refused", conn: this.id, count: this.refusals, logged: REFUSALS_LOGGED });
    }
    this.shim.log({ level: "info", event: "connection_closed", conn: this.id, code });
  }

  async shutdown(): Promise<void> {
    const closed = this.waitClosed();
    this.closeAll(CloseReason.VOLUNTARY);
    for (const s of [...this.draining]) s.close(CloseReason.VOLUNTARY, false);
    this.ws.resume();
    this.ws.close(1001, "server shutting down");
    await closed;
  }
}
