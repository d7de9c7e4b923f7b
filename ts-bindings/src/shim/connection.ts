// What both connection forms (mux and raw) share: the WebSocket, keep-alive and the
// accounting of bytes sent to the client. Connections see the server only through
// ShimContext, so this file and the forms do not import the server.

import { WebSocket } from "ws";
import type { ShimLogger } from "./logger.js";
import type { ResolvedOptions, StreamStats } from "./options.js";
import type { Refusal, Resolved } from "./policy.js";

/** The server, as a connection sees it. */
export interface ShimContext {
  readonly opts: ResolvedOptions;
  readonly log: ShimLogger;
  resolveTarget(host: string, port: number, token: string | undefined): Promise<Resolved | Refusal>;
}

export interface StreamAccount {
  pendingToClientBytes: number;
  maxPendingToClientBytes: number;
}

/** What both connection forms share: the WebSocket, keepalive, send accounting. */
export abstract class ConnectionBase {
  alive = true;
  /** We stopped reading this WebSocket (backpressure): its pongs cannot arrive either. */
  readPaused = false;
  congested = false;
  closed = false;
  constructor(
    readonly shim: ShimContext,
    readonly id: number,
    readonly ws: WebSocket,
    readonly clientIp: string,
    readonly token: string | undefined,
  ) {
    ws.on("pong", () => (this.alive = true));
    ws.on("error", (err) => {
      this.shim.log({ level: "warn", event: "websocket_error", conn: id, error: err.message });
    });
  }

  abstract start(): void;
  abstract refuseThrottled(): void;
  abstract streamStats(): StreamStats[];
  abstract shutdown(): Promise<void>;
  abstract onUncongested(): void;

  /** Sends one message; `account` tracks the bytes per stream until flushed. */
  send(bytes: Uint8Array, account?: { pendingToClientBytes: number; maxPendingToClientBytes: number }): void {
    if (this.ws.readyState !== WebSocket.OPEN) return;
    const n = bytes.length;
    if (account) {
      account.pendingToClientBytes += n;
      if (account.pendingToClientBytes > account.maxPendingToClientBytes) account.maxPendingToClientBytes = account.pendingToClientBytes;
    }
    this.ws.send(bytes, { binary: true }, () => {
      if (account) account.pendingToClientBytes -= n;
      if (this.congested && this.ws.bufferedAmount <= this.shim.opts.highWaterMark / 2) {
        this.congested = false;
        this.onUncongested();
      }
    });
    if (!this.congested && this.ws.bufferedAmount > this.shim.opts.highWaterMark) this.congested = true;
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

