// The Network lwip-https (and examples/main.ts) runs on: createNetwork with the CLI's
// options, plus the capture and key log it may write. Requests go through the Network's
// own fetch (one client, as a library user gets), observed through fetch's hooks.
import { LmwError, type ErrorCode } from "../errors.js";
import { createNetwork, type Network, type NetworkOptions } from "../network.js";
import { KeyLog, PcapWriter } from "../link/pcap.js";
import type { FetchOptions } from "../http/index.js";
import type { TlsClientOptions } from "../device/tls-config.js";

export interface SessionOptions {
  /** Where flows go (default: the Node dialer, real sockets). */
  dialer?: NetworkOptions["dialer"];
  tls?: TlsClientOptions;
  /** ms for TCP connect and for the TLS handshake (library default 30 s). */
  connectTimeout?: number;
  http?: FetchOptions;
  /** Capture the device's link. */
  pcap?: boolean;
  /** Collect the NSS key log (Wireshark decrypts the capture with it). */
  keylog?: boolean;
  onLog?: NetworkOptions["onLog"];
  resolve?: NetworkOptions["resolve"];
  connectTo?: NetworkOptions["connectTo"];
}

export class Session implements AsyncDisposable {
  readonly net: Network;
  readonly pcap: PcapWriter | undefined;
  readonly keylog: KeyLog | undefined;

  private constructor(net: Network, pcap: PcapWriter | undefined, keylog: KeyLog | undefined) {
    this.net = net;
    this.pcap = pcap;
    this.keylog = keylog;
  }

  static async create(options: SessionOptions = {}): Promise<Session> {
    const pcap = options.pcap ? new PcapWriter() : undefined;
    const keylog = options.keylog ? new KeyLog() : undefined;
    const net = await createNetwork({
      dialer: options.dialer,
      tls: { ...options.tls, keylog: options.keylog || options.tls?.keylog },
      timeouts: options.connectTimeout !== undefined ? { connect: options.connectTimeout, handshake: options.connectTimeout } : undefined,
      http: options.http,
      onFrame: pcap?.tap,
      resolve: options.resolve,
      connectTo: options.connectTo,
      onLog: (entry) => {
        if (entry.source === "keylog") keylog?.add(entry.text);
        else options.onLog?.(entry);
      },
    });
    return new Session(net, pcap, keylog);
  }

  async close(): Promise<void> {
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
