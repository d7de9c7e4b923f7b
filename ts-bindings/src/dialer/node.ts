// The Node dialer: each flow the device opens becomes a real node:net socket (node:dgram
// for UDP). Used by default in Node.
import { lookup } from "node:dns/promises";
import { createSocket } from "node:dgram";
import { isIP, connect, type Socket } from "node:net";
import { LmwError, type ErrorCode } from "../errors.js";
import type { DialedDatagrams, DialedStream, Dialer } from "./types.js";

export interface NodeDialerOptions {
  /** Milliseconds to wait for the TCP connection (default 15000). */
  connectTimeout?: number;
}

const ERRNO_CODES: Record<string, [ErrorCode, string]> = {
  ECONNREFUSED: ["ERR_CONNECTION_REFUSED", "connection refused"],
  ECONNRESET: ["ERR_CONNECTION_RESET", "connection reset by peer"],
  EPIPE: ["ERR_CONNECTION_RESET", "connection reset by peer"],
  ENOTFOUND: ["ERR_DNS_NOT_FOUND", "host name not found"],
  EAI_AGAIN: ["ERR_DNS_NOT_FOUND", "host name could not be resolved"],
  ETIMEDOUT: ["ERR_TIMEOUT_CONNECT", "connection timed out"],
  EHOSTUNREACH: ["ERR_HOST_UNREACHABLE", "host unreachable"],
  ENETUNREACH: ["ERR_HOST_UNREACHABLE", "network unreachable"],
};

export function dialError(e: unknown, target: string): LmwError {
  const errno = (e as NodeJS.ErrnoException)?.code ?? "";
  const [code, text] = ERRNO_CODES[errno] ?? ["ERR_DIAL_FAILED", "connection failed"];
  return new LmwError(code, `${text} (${target})`, { layer: "dialer", cause: e });
}

/** Web streams over a connected node:net socket, with backpressure both ways. */
export function socketToStreams(socket: Socket, target: string): DialedStream {
  let failed: LmwError | undefined;
  let readDone = false;
  let writeDone = false;
  const finishIfDone = () => {
    if (readDone && writeDone && !socket.destroyed) socket.destroy();
  };
  const readable = new ReadableStream<Uint8Array>({
    start(controller) {
      socket.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        if ((controller.desiredSize ?? 0) <= 0) socket.pause();
      });
      socket.on("end", () => {
        readDone = true;
        try { controller.close(); } catch { /* already errored */ }
        finishIfDone();
      });
      socket.on("error", (e) => {
        failed ??= dialError(e, target);
        try { controller.error(failed); } catch { /* closed */ }
      });
    },
    pull() {
      socket.resume();
    },
    cancel() {
      readDone = true;
      socket.destroy();
    },
  }, { highWaterMark: 4 });
  const writable = new WritableStream<Uint8Array>({
    write(chunk) {
      if (failed) throw failed;
      return new Promise<void>((resolve, reject) => {
        socket.write(chunk, (err) => (err ? reject(dialError(err, target)) : resolve()));
      });
    },
    close() {
      return new Promise<void>((resolve) => {
        const done = () => {
          writeDone = true;
          finishIfDone();
          resolve();
        };
        if (socket.destroyed || socket.writableEnded) done();
        else socket.end(done);
      });
    },
    abort() {
      socket.resetAndDestroy();
    },
  });
  return {
    readable,
    writable,
    destroy: () => {
      if (!socket.destroyed) socket.resetAndDestroy();
    },
  };
}

export class NodeDialer implements Dialer {
  readonly #connectTimeout: number;
  readonly #sockets = new Set<Socket>();

  constructor(options: NodeDialerOptions = {}) {
    this.#connectTimeout = options.connectTimeout ?? 15_000;
  }

  /** True if `name` resolves (the router answers the device's DNS with NXDOMAIN otherwise). */
  async resolve(name: string): Promise<boolean> {
    try {
      await lookup(name);
      return true;
    } catch {
      return false;
    }
  }

  dialTcp(target: { host: string; port: number }, options: { signal?: AbortSignal } = {}): Promise<DialedStream> {
    const label = `${target.host}:${target.port}`;
    return new Promise((resolve, reject) => {
      // Half-open: the device may still send after the server's FIN (TLS close_notify);
      // the socket is destroyed explicitly once both directions are done.
      const socket = connect({ host: target.host, port: target.port, noDelay: true, allowHalfOpen: true });
      this.#sockets.add(socket);
      socket.once("close", () => this.#sockets.delete(socket));
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new LmwError("ERR_TIMEOUT_CONNECT", `connect timed out after ${this.#connectTimeout} ms (${label})`, { layer: "dialer" }));
      }, this.#connectTimeout);
      const onAbort = () => {
        socket.destroy();
        reject(new LmwError("ERR_ABORTED", `dial aborted (${label})`, { layer: "dialer", cause: options.signal?.reason }));
      };
      options.signal?.addEventListener("abort", onAbort, { once: true });
      socket.once("connect", () => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        socket.removeAllListeners("error");
        resolve(socketToStreams(socket, label));
      });
      socket.once("error", (e) => {
        clearTimeout(timer);
        options.signal?.removeEventListener("abort", onAbort);
        reject(dialError(e, label));
      });
    });
  }

  async dialUdp(target: { host: string; port: number }): Promise<DialedDatagrams> {
    const address = isIP(target.host) ? target.host : (await lookup(target.host, { family: 4 })).address;
    const sock = createSocket(isIP(address) === 6 ? "udp6" : "udp4");
    let handler: ((d: Uint8Array) => void) | undefined;
    sock.on("message", (msg) => handler?.(new Uint8Array(msg)));
    sock.on("error", () => sock.close());
    await new Promise<void>((resolve, reject) => sock.connect(target.port, address, (err?: Error) => (err ? reject(err) : resolve())));
    return {
      send: (d) => sock.send(d),
      onMessage: (h) => (handler = h),
      close: () => {
        try { sock.close(); } catch { /* closed */ }
      },
    };
  }

  async close(): Promise<void> {
    for (const s of this.#sockets) if (!s.destroyed) s.destroy();
    this.#sockets.clear();
  }
}
