// The raw form (wsproxy): one TCP stream per WebSocket, `ws://shim/wisp/<host>:<port>`,
// as libcurl.js and wisp-js's WispWebSocket use. Refusals close the WebSocket with code
// 4000 + the Wisp reason byte.

import * as net from "node:net";
import { WebSocket, type RawData } from "ws";
import { CloseReason, closeReasonName } from "../wisp/packet.js";
import { splitHostPort } from "./address.js";
import { ConnectionBase, type ShimContext, type StreamAccount } from "./connection.js";
import type { StreamStats } from "./options.js";
import { connectErrorReason } from "./policy.js";

export class RawConnection extends ConnectionBase implements StreamAccount {
  private socket: net.Socket | undefined;
  private state: "resolving" | "connecting" | "open" | "closed" = "resolving";
  private target: { host: string; port: number } | null;
  private connectTimer: NodeJS.Timeout | undefined;
  pendingToClientBytes = 0;
  maxPendingToClientBytes = 0;
  pauseCount = 0;
  paused = false;

  constructor(shim: ShimContext, id: number, ws: WebSocket, clientIp: string, token: string | undefined, rawTarget: string) {
    super(shim, id, ws, clientIp, token);
    this.target = splitHostPort(rawTarget);
  }

  refuseThrottled(): void {
    this.ws.close(4000 + CloseReason.THROTTLED, "throttled");
  }

  streamStats(): StreamStats[] {
    if (!this.target || this.state === "closed") return [];
    return [
      {
        connectionId: this.id,
        streamId: 0,
        kind: "raw",
        host: this.target.host,
        port: this.target.port,
        state: this.state,
        pendingToClientBytes: this.pendingToClientBytes,
        maxPendingToClientBytes: this.maxPendingToClientBytes,
        queuedToTargetBytes: this.socket?.writableLength ?? 0,
        queuedToTargetPackets: 0,
        pauseCount: this.pauseCount,
        paused: this.paused,
      },
    ];
  }

  private fail(reason: number, why: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.connectTimer);
    this.socket?.destroy();
    this.shim.log({ level: "info", event: "raw_closed", conn: this.id, reason: closeReasonName(reason), why });
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.resume(); // read the peer's close frame, or the handshake waits 30 s
      this.ws.close(reason === CloseReason.VOLUNTARY ? 1000 : 4000 + reason, closeReasonName(reason));
    }
  }

  start(): void {
    this.ws.on("close", () => {
      this.closed = true;
      this.fail(CloseReason.VOLUNTARY, "websocket closed");
    });
    if (!this.target) return this.fail(CloseReason.INVALID_INFO, "bad target");
    // Hold client bytes in the kernel until the target is connected.
    this.readPaused = true;
    this.ws.pause();
    this.ws.on("message", (data: RawData, isBinary: boolean) => {
      if (this.state !== "open") return;
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      const s = this.socket!;
      if (!s.write(isBinary ? bytes : Buffer.from(bytes.toString("utf8"))) && !this.readPaused) {
        this.readPaused = true;
        this.ws.pause();
        s.once("drain", () => {
          this.readPaused = false;
          this.alive = true;
          this.ws.resume();
        });
      }
    });
    void this.open(this.target);
  }

  private async open(target: { host: string; port: number }): Promise<void> {
    const r = await this.shim.resolveTarget(target.host, target.port, this.token);
    if (this.state === "closed") return;
    if (!r.ok) {
      this.shim.log({ level: "warn", event: "stream_refused", conn: this.id, host: target.host, port: target.port, reason: closeReasonName(r.reason), why: r.why });
      return this.fail(r.reason, r.why);
    }
    this.state = "connecting";
    const socket = net.connect({ host: r.address, port: target.port, family: r.family, noDelay: true });
    this.socket = socket;
    this.connectTimer = setTimeout(() => this.fail(CloseReason.CONNECT_TIMEOUT, "connect timeout"), this.shim.opts.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(this.connectTimer);
      if (this.state === "closed") return;
      this.state = "open";
      if (this.shim.opts.idleTimeoutMs > 0) socket.setTimeout(this.shim.opts.idleTimeoutMs);
      this.readPaused = false;
      this.ws.resume();
    });
    socket.on("timeout", () => this.fail(CloseReason.DATA_TIMEOUT, "idle"));
    socket.on("data", (chunk: Buffer) => {
      const max = this.shim.opts.maxPayload;
      for (let off = 0; off < chunk.length; off += max) this.send(chunk.subarray(off, off + max), this);
      if (this.congested && !this.paused) {
        this.paused = true;
        this.pauseCount++;
        socket.pause();
      }
    });
    socket.on("end", () => this.fail(CloseReason.VOLUNTARY, "target ended"));
    socket.on("error", (err: NodeJS.ErrnoException) =>
      this.fail(this.state === "open" ? CloseReason.NETWORK_ERROR : connectErrorReason(err), err.code ?? "error"),
    );
    socket.on("close", () => this.fail(CloseReason.NETWORK_ERROR, "target closed"));
  }

  onUncongested(): void {
    if (this.paused) {
      this.paused = false;
      this.socket?.resume();
    }
  }

  async shutdown(): Promise<void> {
    const closed = this.waitClosed();
    this.fail(CloseReason.VOLUNTARY, "server shutting down");
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1001, "server shutting down");
    await closed;
  }
}
