// A Network with a fetch that reports what curl -v shows: the address a name resolved
// to, the TCP connection, the TLS version / suite / ALPN / peer chain, the request heads
// as written on the wire, and the time of each phase. Shared by the lwip-https CLI and
// examples/main.ts. The fetch is the library's own (createFetch) over the network's
// connectTls / connectTcp, wrapped so each connection can be observed.
import { LmwError, type ErrorCode } from "../errors.js";
import { VERSION } from "../ffi/generated/version.js";
import { createFetch, type FetchClient, type FetchOptions, type LmwFetch } from "../http/index.js";
import { createNetwork, isIPv4Literal, type Network, type NetworkOptions } from "../network.js";
import { KeyLog, PcapWriter } from "../link/pcap.js";
import type { ByteSocket, SocketInfo } from "../device/socket-types.js";
import type { TlsClientOptions } from "../device/tls-config.js";

export interface ConnectionReport {
  host: string;
  port: number;
  tls: boolean;
  /** What the device's DNS lookup returned (a fake 198.18/15 address for a name). */
  resolvedAddress: string;
  info: SocketInfo;
  /** performance.now() marks of this connection. */
  start: number;
  dnsDone: number;
  /** TCP was up on the device. */
  tcpConnected: number;
  /** Connected, and for TLS, handshake done. */
  opened: number;
}

export interface SessionOptions {
  tls?: TlsClientOptions;
  /** ms for TCP connect and for the TLS handshake (library default 30 s). */
  connectTimeout?: number;
  http?: FetchOptions;
  /** Capture the device's link. */
  pcap?: boolean;
  /** Collect the NSS key log (Wireshark decrypts the capture with it). */
  keylog?: boolean;
  /** A connection was opened (TLS handshake done). */
  onConnection?: (report: ConnectionReport) => void;
  /** A request head was written on a connection (the exact bytes, as latin1 text). */
  onRequestHead?: (head: string) => void;
  onLog?: NetworkOptions["onLog"];
  resolve?: NetworkOptions["resolve"];
  connectTo?: NetworkOptions["connectTo"];
}

const connectErrors = new WeakSet<object>();

/** True if `e` was thrown by a connection attempt of a Session's fetch. */
export function failedWhileConnecting(e: unknown): boolean {
  return typeof e === "object" && e !== null && connectErrors.has(e);
}

const REQUEST_LINE = /^[A-Z]+ \S+ HTTP\/1\.[01]\r\n/;

function latin1(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i += 8192) s += String.fromCharCode(...b.subarray(i, i + 8192));
  return s;
}

/** The same socket, with every write shown to `observe` before it goes out. */
function observeWrites(socket: ByteSocket, observe: (chunk: Uint8Array) => void): ByteSocket {
  const writer = socket.writable.getWriter();
  const writable = new WritableStream<Uint8Array>({
    write: async (chunk) => {
      observe(chunk);
      await writer.write(chunk);
    },
    close: () => writer.close(),
    abort: (reason) => writer.abort(reason),
  });
  return {
    readable: socket.readable,
    writable,
    opened: socket.opened,
    closed: socket.closed,
    close: () => socket.close(),
    destroy: (reason) => socket.destroy(reason),
  };
}

export class Session implements AsyncDisposable {
  readonly net: Network;
  readonly fetch: LmwFetch;
  readonly pcap: PcapWriter | undefined;
  readonly keylog: KeyLog | undefined;
  /** The latest connection to each origin ("https://host:port"). */
  readonly connections = new Map<string, ConnectionReport>();
  #client: FetchClient;

  private constructor(net: Network, options: SessionOptions, pcap: PcapWriter | undefined, keylog: KeyLog | undefined) {
    this.net = net;
    this.pcap = pcap;
    this.keylog = keylog;
    const connect = async (o: { host: string; port: number; tls: boolean; servername?: string; signal?: AbortSignal }): Promise<ByteSocket> => {
      try {
        const socket = o.tls
          ? await net.connectTls({ host: o.host, port: o.port, servername: o.servername, alpn: ["http/1.1"], signal: o.signal, connectTimeout: options.connectTimeout, handshakeTimeout: options.connectTimeout })
          : await net.connectTcp({ host: o.host, port: o.port, signal: o.signal, connectTimeout: options.connectTimeout });
        const info = await socket.opened;
        const t = info.timing!; // set by the Network for every connection it opens
        const resolvedAddress = isIPv4Literal(o.host) ? o.host : info.remoteAddress.slice(0, info.remoteAddress.lastIndexOf(":"));
        const report: ConnectionReport = {
          host: o.host, port: o.port, tls: o.tls, resolvedAddress, info, start: t.start, dnsDone: t.resolved,
          tcpConnected: t.tcpConnected, opened: t.opened,
        };
        this.connections.set(`${o.tls ? "https" : "http"}://${o.host}:${o.port}`, report);
        options.onConnection?.(report);
        const onHead = options.onRequestHead;
        if (!onHead) return socket;
        return observeWrites(socket, (chunk) => {
          const text = latin1(chunk.subarray(0, 64 * 1024));
          const end = text.indexOf("\r\n\r\n");
          if (end > 0 && REQUEST_LINE.test(text)) onHead(text.slice(0, end));
        });
      } catch (e) {
        if (typeof e === "object" && e !== null) connectErrors.add(e);
        throw e;
      }
    };
    this.#client = createFetch({ connect }, { version: VERSION, ...options.http });
    this.fetch = this.#client.fetch;
  }

  static async create(options: SessionOptions = {}): Promise<Session> {
    const pcap = options.pcap ? new PcapWriter() : undefined;
    const keylog = options.keylog ? new KeyLog() : undefined;
    const net = await createNetwork({
      tls: { ...options.tls, keylog: options.keylog || options.tls?.keylog },
      timeouts: options.connectTimeout !== undefined ? { connect: options.connectTimeout, handshake: options.connectTimeout } : undefined,
      onFrame: pcap?.tap,
      resolve: options.resolve,
      connectTo: options.connectTo,
      onLog: (entry) => {
        if (entry.source === "keylog") keylog?.add(entry.text);
        else options.onLog?.(entry);
      },
    });
    return new Session(net, options, pcap, keylog);
  }

  /** The connection report for a response's URL. */
  connectionFor(url: string): ConnectionReport | undefined {
    const u = new URL(url);
    const port = u.port !== "" ? Number(u.port) : u.protocol === "https:" ? 443 : 80;
    const host = u.hostname.startsWith("[") ? u.hostname.slice(1, -1) : u.hostname;
    return this.connections.get(`${u.protocol.slice(0, -1)}://${host}:${port}`);
  }

  async close(): Promise<void> {
    await this.#client.close();
    await this.net.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** An error of the CLI itself, in the library's shape (stable code, layer "api"). */
export function cliError(code: ErrorCode, message: string, cause?: unknown): LmwError {
  return new LmwError(code, message, { layer: "api", cause });
}
