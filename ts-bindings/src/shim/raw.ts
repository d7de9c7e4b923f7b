// The raw form (wsproxy): one TCP stream per WebSocket, `ws://shim/wisp/<host>:<port>`,
// as libcurl.js and wisp-js's WispWebSocket use. Refusals close the WebSocket with code
// 4000 + the Wisp reason byte. Memory: one client message at a time is in the target
// socket's buffer (reading pauses until it is written), and output to the client is
// counted like the mux form's.

import * as net from "node:net";
import { WebSocket, type RawData } from "ws";
import { CloseReason, closeReasonName } from "../wisp/packet.js";
import { splitHostPort } from "./address.js";
import { ConnectionBase, type StreamAccount } from "./connection.js";
import type { StreamStats } from "./options.js";
import { connectErrorReason } from "./policy.js";
import { OUT_CHUNK } from "./stream.js";

export class RawConnection extends ConnectionBase {
  private target: { host: string; port: number } | null = null;
  private tcp: net.Socket | undefined;
  private state: "resolving" | "connecting" | "open" | "closed" = "resolving";
  private connectTimer: NodeJS.Timeout | undefined;
  private readonly streamAccount: StreamAccount = { pendingToClientBytes: 0, maxPendingToClientBytes: 0 };
  /** Client messages being written to the target. */
  private writing = 0;
  /** Messages ws had already read when reading was paused before the target was up. */
  private early: Buffer[] = [];
  pauseCount = 0;
  paused = false;
  rawTarget = "";

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
        pendingToClientBytes: this.streamAccount.pendingToClientBytes,
        maxPendingToClientBytes: this.streamAccount.maxPendingToClientBytes,
        queuedToTargetBytes: this.queuedBytes,
        queuedToTargetPackets: 0,
        pauseCount: this.pauseCount,
        paused: this.paused,
      },
    ];
  }

  protected mustPause(): boolean {
    // Client bytes wait in the kernel until the target is connected, and while a
    // message is being written to it.
    return this.state !== "open" || this.writing > 0;
  }

  onStalled(): void {
    this.drop("stalled_connection", { pendingToClientBytes: this.pendingToClientBytes, queuedBytes: this.queuedBytes });
  }

  private fail(reason: number, why: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.connectTimer);
    for (const out of this.early.splice(0)) this.addQueued(-out.length);
    this.tcp?.destroy();
    this.shim.log({ level: "info", event: "raw_closed", conn: this.id, reason: closeReasonName(reason), why });
    if (this.ws.readyState === WebSocket.OPEN) {
      this.ws.resume(); // read the peer's close frame
      this.ws.close(reason === CloseReason.VOLUNTARY ? 1000 : 4000 + reason, closeReasonName(reason));
    }
  }

  start(): void {
    this.ws.on("close", () => this.fail(CloseReason.VOLUNTARY, "websocket closed"));
    this.target = splitHostPort(this.rawTarget);
    if (!this.target) return this.fail(CloseReason.INVALID_INFO, "bad target");
    this.updateReading();
    this.ws.on("message", (data: RawData, isBinary: boolean) => {
      const bytes = Array.isArray(data) ? Buffer.concat(data) : data instanceof ArrayBuffer ? Buffer.from(data) : data;
      this.messageReceived(bytes.length);
      const out = isBinary ? bytes : Buffer.from(bytes.toString("utf8"));
      this.addQueued(out.length);
      if (this.state === "open") this.write(out);
      else if (this.state === "closed") this.addQueued(-out.length);
      else this.early.push(out); // counted; reading is paused, so only what ws already had
      this.updateReading();
    });
    void this.open(this.target);
  }

  /** Writes one client message (already counted) to the target. */
  private write(out: Buffer): void {
    this.writing++;
    this.tcp!.write(out, () => {
      this.addQueued(-out.length);
      this.writing--;
      this.updateReading();
    });
  }

  private async open(target: { host: string; port: number }): Promise<void> {
    const r = await this.shim.policy.resolve(target.host, target.port, this.token, this.dns);
    if (this.state === "closed" || r === null) return;
    if (!r.ok) {
      this.shim.log({ level: "warn", event: "stream_refused", conn: this.id, host: target.host, port: target.port, reason: closeReasonName(r.reason), why: r.why });
      return this.fail(r.reason, r.why);
    }
    this.state = "connecting";
    const socket = net.connect({ host: r.address, port: target.port, family: r.family, noDelay: true });
    this.tcp = socket;
    this.connectTimer = setTimeout(() => this.fail(CloseReason.CONNECT_TIMEOUT, "connect timeout"), this.shim.opts.connectTimeoutMs);
    socket.once("connect", () => {
      clearTimeout(this.connectTimer);
      if (this.state === "closed") return;
      this.state = "open";
      if (this.shim.opts.idleTimeoutMs > 0) socket.setTimeout(this.shim.opts.idleTimeoutMs);
      for (const out of this.early.splice(0)) this.write(out);
      this.updateReading();
    });
    socket.on("timeout", () => this.fail(CloseReason.DATA_TIMEOUT, "idle"));
    socket.on("data", (chunk: Buffer) => {
      for (let off = 0; off < chunk.length; off += OUT_CHUNK) this.send(chunk.subarray(off, off + OUT_CHUNK), this.streamAccount);
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
      this.tcp?.resume();
    }
  }

  async shutdown(): Promise<void> {
    const closed = this.waitClosed();
    this.fail(CloseReason.VOLUNTARY, "server shutting down");
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.close(1001, "server shutting down");
    await closed;
  }
}
