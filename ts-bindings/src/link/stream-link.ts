// A LAN port over a stream socket, framed as QEMU's `-netdev stream` (and `-netdev
// socket`): each Ethernet frame is a 4-byte big-endian length, then the frame. Native Pico
// programs attach to the router this way, and so can a QEMU guest (see the README).
// Node only (node:net); TCP on loopback or a Unix socket.
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { LmwError } from "../errors.js";
import type { LinkEnd } from "./link-end.js";

/** Longer frames than this end the link: no Ethernet frame (jumbo included) comes near
 *  it, so such a length means the peer does not speak this framing. */
export const MAX_STREAM_FRAME = 65535;
/** Frames queued toward a peer that does not read, beyond which new ones are dropped (as
 *  a congested Ethernet port drops). */
const MAX_QUEUED_BYTES = 4 * 1024 * 1024;

export type StreamLinkAddress = { host?: string; port: number } | { path: string };

function isLoopback(host: string): boolean {
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/** A LinkEnd over a connected socket. Its `mac` is the source MAC of the first frame the
 *  peer sent (zeros until then): the station behind the socket chooses its own. */
export class StreamLinkEnd implements LinkEnd {
  readonly socket: Socket;
  /** Settles when the socket is gone: resolves on an orderly end, rejects on an error
   *  (ERR_LINK_FRAMING for a bad length, the socket's own error otherwise). */
  readonly closed: Promise<void>;
  #mac = new Uint8Array(6);
  #macKnown = false;
  #handler: ((frame: Uint8Array) => void) | undefined;
  #pending: Buffer[] = [];
  #pendingBytes = 0;
  #dropped = 0;

  constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    this.closed = new Promise<void>((resolve, reject) => {
      let error: Error | undefined;
      socket.on("error", (e) => (error ??= e));
      socket.on("close", () => (error ? reject(error) : resolve()));
    });
    this.closed.catch(() => {}); // observed by whoever awaits it
    socket.on("data", (chunk: Buffer) => this.#onData(chunk));
  }

  get mac(): Uint8Array {
    return this.#mac;
  }

  /** Frames dropped because the peer was not reading. */
  get dropped(): number {
    return this.#dropped;
  }

  input(frame: Uint8Array): void {
    const s = this.socket;
    if (s.destroyed || !s.writable) return;
    if (s.writableLength > MAX_QUEUED_BYTES) {
      this.#dropped++;
      return;
    }
    const out = Buffer.allocUnsafe(4 + frame.length);
    out.writeUInt32BE(frame.length, 0);
    out.set(frame, 4);
    s.write(out);
  }

  onFrame(handler: ((frame: Uint8Array) => void) | undefined): void {
    this.#handler = handler;
  }

  #onData(chunk: Buffer): void {
    this.#pending.push(chunk);
    this.#pendingBytes += chunk.length;
    while (this.#pendingBytes >= 4) {
      const len = this.#peek(4).readUInt32BE(0);
      if (len === 0 || len > MAX_STREAM_FRAME) {
        this.socket.destroy(new LmwError("ERR_LINK_FRAMING", `stream link: frame length ${len} (1-${MAX_STREAM_FRAME})`, { layer: "api" }));
        return;
      }
      if (this.#pendingBytes < 4 + len) return;
      this.#consume(4);
      const frame = new Uint8Array(len); // its own buffer: the LAN keeps it
      frame.set(this.#peek(len));
      this.#consume(len);
      if (!this.#macKnown && len >= 14 && (frame[6]! & 1) === 0) {
        this.#mac = frame.slice(6, 12);
        this.#macKnown = true;
      }
      this.#handler?.(frame);
    }
  }

  /** The first `n` pending bytes, as a view (`n` <= pending). */
  #peek(n: number): Buffer {
    if (this.#pending[0]!.length < n) this.#pending = [Buffer.concat(this.#pending)];
    return this.#pending[0]!.subarray(0, n);
  }

  #consume(n: number): void {
    const first = this.#pending[0]!;
    if (first.length === n) this.#pending.shift();
    else this.#pending[0] = first.subarray(n);
    this.#pendingBytes -= n;
  }

  /** Ends the link (the peer sees the socket close). */
  close(): void {
    this.socket.end();
    this.socket.destroySoon();
  }
}

export interface StreamLinkListener {
  /** "tcp:127.0.0.1:PORT" or "unix:PATH": what a program is told to connect to. */
  readonly address: string;
  /** The next connection, as a LinkEnd to attach. */
  accept(): Promise<StreamLinkEnd>;
  /** Stops listening; connections not yet accepted are closed. */
  close(): Promise<void>;
}

function checkHost(host: string): void {
  // A link end is a raw port on the LAN, and the router dials anything for it.
  if (!isLoopback(host)) throw new LmwError("ERR_INVALID_ARG", `stream links listen on loopback only, not ${host}`, { layer: "api" });
}

/** Listens for stream links (QEMU `-netdev stream` framing) on loopback TCP or a Unix socket. */
export async function listenStreamLink(where: StreamLinkAddress = { host: "127.0.0.1", port: 0 }): Promise<StreamLinkListener> {
  if (!("path" in where)) checkHost(where.host ?? "127.0.0.1");
  const waiting: Socket[] = [];
  const takers: { resolve: (e: StreamLinkEnd) => void; reject: (e: unknown) => void }[] = [];
  let closed = false;
  const server: Server = createServer((socket) => {
    const taker = takers.shift();
    if (taker) taker.resolve(new StreamLinkEnd(socket));
    else waiting.push(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if ("path" in where) server.listen(where.path, resolve);
    else server.listen(where.port, where.host ?? "127.0.0.1", resolve);
  });
  const a = server.address();
  const address = typeof a === "string" ? `unix:${a}` : `tcp:${a!.family === "IPv6" ? `[${a!.address}]` : a!.address}:${a!.port}`;
  return {
    address,
    accept() {
      if (closed) return Promise.reject(new LmwError("ERR_CLOSED", "the stream link listener is closed", { layer: "api" }));
      const socket = waiting.shift();
      if (socket) return Promise.resolve(new StreamLinkEnd(socket));
      return new Promise((resolve, reject) => takers.push({ resolve, reject }));
    },
    close() {
      closed = true;
      for (const s of waiting.splice(0)) s.destroy();
      for (const t of takers.splice(0)) t.reject(new LmwError("ERR_CLOSED", "the stream link listener is closed", { layer: "api" }));
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Connects to a stream link listener ("tcp:HOST:PORT" or "unix:PATH"): the program's side,
 *  for Node-side stations and tests. */
export function connectStreamLink(address: string): Promise<StreamLinkEnd> {
  const m = /^tcp:(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(address);
  const path = address.startsWith("unix:") ? address.slice(5) : undefined;
  if (!m && !path) {
    return Promise.reject(new LmwError("ERR_INVALID_ARG", `bad stream link address "${address}" (tcp:HOST:PORT or unix:PATH)`, { layer: "api" }));
  }
  return new Promise((resolve, reject) => {
    const socket = path ? createConnection(path) : createConnection(Number(m![3]), m![1] ?? m![2]);
    socket.once("error", reject);
    socket.once("connect", () => {
      socket.off("error", reject);
      resolve(new StreamLinkEnd(socket));
    });
  });
}
