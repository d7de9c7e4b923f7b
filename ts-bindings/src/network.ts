// createNetwork(): the device stack (lwIP + altcp_tls + Mbed TLS) on a virtual Ethernet
// link to the router stack, whose flows go to a Dialer. The user-facing API.
import { bundledCa } from "./ffi/ca-bundle.js";
import { LwipErr } from "./ffi/generated/errors.js";
import { LmwEvent } from "./ffi/generated/exports.js";
import { VERSION } from "./ffi/generated/version.js";
import { LmwError } from "./errors.js";
import { createFetch, type FetchClient, type FetchOptions, type LmwFetch } from "./http/index.js";
import { Netif } from "./link/netif.js";
import { VirtualLink, type FrameTap } from "./link/virtual-link.js";
import { isIPv4Literal } from "./router/dns-responder.js";
import { Router } from "./router/router.js";
import type { ByteSocket } from "./device/socket-types.js";
import type { Dialer } from "./dialer/types.js";
import { StackSocket } from "./device/socket.js";
import { StackUdpSocket, type Datagram } from "./device/udp.js";
import { Stack, type LogEntry } from "./device/stack.js";
import { TlsConfig, TlsSession, type TlsClientOptions } from "./device/tls-config.js";

export interface DeviceOptions {
  ip?: string;
  netmask?: string;
  gateway?: string;
  dns?: string;
  mac?: string;
}

export interface NetworkOptions {
  /** Where flows go. Default in Node: NodeDialer (real sockets). Required in browsers. */
  dialer?: Dialer;
  /** Defaults for every TLS connection (ca, alpn, versions, ciphers, ...). */
  tls?: TlsClientOptions;
  /** Device addresses (QEMU user-networking defaults: 10.0.2.15/24, gw .2, DNS .3). */
  device?: DeviceOptions;
  /** Debug output of lwIP / Mbed TLS (levels 0-4) to onLog. */
  debug?: { lwip?: boolean; mbedtls?: number };
  onLog?: (entry: LogEntry) => void;
  /** Sees every Ethernet frame on the device's link (a pcap writer, the playground). */
  onFrame?: FrameTap;
  /** Default timeouts in ms: TCP connect, TLS handshake (each 30000). */
  timeouts?: { connect?: number; handshake?: number };
  /** fetch's options: pool size, idle/headers/body timeouts, user agent, redirects. */
  http?: FetchOptions;
  /** Resume TLS sessions per server name, port and configuration (default true). */
  tlsSessionCache?: boolean;
  /** The device-router link's MTU. Default: the largest the build allows
   *  (`stack.constant("FAST_LINK_MTU")`), which moves bulk data in a fraction of the frames;
   *  1500 gives the segments (MSS 1460) a device on Ethernet or Wi-Fi would see. */
  linkMtu?: number;
}

export interface ConnectTcpOptions {
  host: string;
  port: number;
  signal?: AbortSignal;
  /** ms; ERR_TIMEOUT_CONNECT when exceeded. */
  connectTimeout?: number;
}

export interface ConnectTlsOptions extends ConnectTcpOptions, TlsClientOptions {
  /** SNI and the name checked against the certificate; default: host. */
  servername?: string;
  /** ms for the handshake; ERR_TIMEOUT_HANDSHAKE when exceeded. */
  handshakeTimeout?: number;
}

function checkTarget(host: unknown, port: unknown): void {
  if (typeof host !== "string" || host.length === 0 || host.length > 253 || /[\s\0]/.test(host)) {
    throw new LmwError("ERR_INVALID_ARG", `bad host ${JSON.stringify(host)}`, { layer: "api" });
  }
  if (!Number.isInteger(port) || (port as number) < 1 || (port as number) > 65535) {
    throw new LmwError("ERR_INVALID_ARG", `bad port ${String(port)} (1-65535)`, { layer: "api" });
  }
}

export { isIPv4Literal };

export class Network implements AsyncDisposable {
  readonly device: Stack;
  readonly routerStack: Stack;
  readonly router: Router;
  readonly link: VirtualLink;
  readonly dialer: Dialer;
  #deviceNetif: Netif;
  #routerNetif: Netif;
  #options: NetworkOptions;
  #tlsConfigs = new Map<string, TlsConfig>();
  #sessions = new Map<string, TlsSession>();
  #udpSockets = new Set<StackUdpSocket>();
  #sockets = new Set<ByteSocket>();
  #closed = false;
  #gateway: string;
  #http: FetchClient;
  /** WHATWG fetch through the device stack (lwIP + altcp_tls + Mbed TLS). Rejects with
   *  an LmwError carrying a stable code (ERR_TLS_CERT_EXPIRED, ERR_DNS_NOT_FOUND, ...). */
  readonly fetch: LmwFetch;

  private constructor(device: Stack, routerStack: Stack, dialer: Dialer, options: NetworkOptions) {
    this.device = device;
    this.routerStack = routerStack;
    this.dialer = dialer;
    this.#options = options;
    const d = { ip: "10.0.2.15", netmask: "255.255.255.0", gateway: "10.0.2.2", dns: "10.0.2.3", mac: "52:54:00:12:34:56", ...options.device };
    this.#gateway = d.gateway;
    this.#deviceNetif = new Netif(device, { mac: d.mac, ip: d.ip, netmask: d.netmask, gateway: d.gateway, isDefault: true });
    this.#routerNetif = new Netif(routerStack, { mac: "52:55:0a:00:02:02", ip: d.gateway, netmask: d.netmask, isDefault: true });
    // The link lives in memory: no checksums unless a capture watches it (addTap turns them on).
    const mtu = options.linkMtu ?? device.constant("FAST_LINK_MTU");
    for (const n of [this.#deviceNetif, this.#routerNetif]) n.setLink(mtu, false);
    this.link = new VirtualLink(this.#deviceNetif, this.#routerNetif);
    if (options.onFrame) this.link.addTap(options.onFrame);
    this.router = new Router(routerStack, this.#routerNetif, { dialer, dnsIp: d.dns });
    using dns = device.mem.cstring(d.dns);
    device.mod._lmw_dns_set_server(0, dns.ptr);
    this.#http = createFetch({
      connect: (o) => o.tls
        ? this.connectTls({ host: o.host, port: o.port, servername: o.servername, alpn: o.alpn, signal: o.signal })
        : this.connectTcp({ host: o.host, port: o.port, signal: o.signal }),
    }, {
      version: VERSION,
      // No pool deadline of its own by default: connectTcp/connectTls time out with the
      // right code (ERR_TIMEOUT_CONNECT or ERR_TIMEOUT_HANDSHAKE, NetworkOptions.timeouts).
      connectTimeout: 0,
      ...options.http,
    });
    this.fetch = this.#http.fetch;
  }

  static async create(options: NetworkOptions = {}): Promise<Network> {
    let dialer = options.dialer;
    if (!dialer) {
      if (typeof process === "undefined" || !process.versions?.node) {
        throw new LmwError("ERR_NO_DIALER", "in a browser, pass a dialer (a WispDialer to a shim)", { layer: "api" });
      }
      // Not a static path on purpose: bundlers must not pull node:net into browser builds.
      const nodeDialer = "./dialer/node.js";
      const { NodeDialer } = (await import(/* @vite-ignore */ nodeDialer)) as typeof import("./dialer/node.js");
      dialer = new NodeDialer();
    }
    const common = { onLog: options.onLog, debug: options.debug };
    const [device, router] = await Promise.all([
      Stack.create({ name: "device", ...common }),
      Stack.create({ name: "router", onLog: options.onLog }),
    ]);
    return new Network(device, router, dialer, options);
  }

  /** The address the device uses to reach `ip`: the device cannot route loopback, so
   *  127.x becomes the gateway, which the router maps to the host's loopback (as QEMU). */
  deviceAddress(ip: string): string {
    return ip.startsWith("127.") ? this.#gateway : ip;
  }

  /** Resolves a name with the device's lwIP DNS client (through the router). lwIP's
   *  client retries and then reports failure on its own, so this always settles. */
  resolve(name: string, signal?: AbortSignal): Promise<string> {
    if (isIPv4Literal(name)) return Promise.resolve(name);
    const { mem, mod } = this.device;
    return new Promise<string>((resolve, reject) => {
      const notFound = (status: number) =>
        new LmwError("ERR_DNS_NOT_FOUND", `cannot resolve "${name}"`, { layer: "dns", nativeCode: status });
      let settled = false;
      const id = this.device.register((kind) => {
        if (kind === LmwEvent.DNS) finish();
      });
      this.device.retain();
      const settle = () => {
        settled = true;
        this.device.unregister(id);
        this.device.release();
      };
      function finish(): void {
        if (settled) return;
        settle();
        using buf = mem.alloc(64);
        const status = mod._lmw_dns_result(id, buf.ptr, 64);
        if (status === 0) resolve(mem.readCString(buf.ptr));
        else reject(notFound(status));
      }
      using n = mem.cstring(name);
      const err = mod._lmw_dns_lookup(id, n.ptr);
      this.device.kick();
      if (err === 0) finish();
      else if (err !== LwipErr.ERR_INPROGRESS) {
        settle();
        reject(notFound(err));
      } else if (signal) {
        signal.addEventListener("abort", () => {
          if (settled) return;
          settle();
          reject(new LmwError("ERR_ABORTED", "aborted", { layer: "api", cause: signal.reason }));
        }, { once: true });
      }
    });
  }

  async #tlsConfig(options: TlsClientOptions): Promise<{ cfg: TlsConfig; key: string }> {
    const merged: TlsClientOptions = { ...this.#options.tls, ...options };
    const key = JSON.stringify([merged.ca ?? null, merged.dangerouslySkipVerification ?? false, merged.alpn ?? null,
      merged.minVersion ?? null, merged.maxVersion ?? null, merged.ciphers ?? null, merged.cert ?? null, merged.key ?? null, merged.keylog ?? false]);
    let cfg = this.#tlsConfigs.get(key);
    if (!cfg) {
      const ca = merged.ca ?? (await bundledCa()); // loaded on first use only
      cfg = this.#tlsConfigs.get(key); // made by a concurrent call meanwhile?
      if (!cfg) {
        if (this.#closed) throw new LmwError("ERR_NETWORK_CLOSED", "the network is closed", { layer: "api" });
        cfg = TlsConfig.client(this.device, { ...merged, ca });
        this.#tlsConfigs.set(key, cfg);
      }
    }
    return { cfg, key };
  }

  async #open(options: ConnectTcpOptions, tls: TlsConfig | undefined, servername: string | undefined, handshakeTimeout: number | undefined, sessionKey?: string): Promise<StackSocket> {
    if (this.#closed) throw new LmwError("ERR_NETWORK_CLOSED", "the network is closed", { layer: "api" });
    checkTarget(options.host, options.port);
    const signal = options.signal;
    signal?.throwIfAborted();
    const start = performance.now();
    const ip = this.deviceAddress(await this.resolve(options.host, signal));
    const resolved = performance.now();
    const cached = sessionKey ? this.#sessions.get(sessionKey) : undefined;
    const socket = StackSocket.connect(this.device, { ip, port: options.port, tls, servername, session: cached, signal });
    if (sessionKey && this.#options.tlsSessionCache !== false) {
      socket.onSession = (s) => {
        this.#sessions.get(sessionKey)?.dispose();
        this.#sessions.set(sessionKey, s);
      };
    }
    this.#sockets.add(socket);
    void socket.closed.catch(() => {}).finally(() => this.#sockets.delete(socket));
    const limit = (tls ? handshakeTimeout ?? this.#options.timeouts?.handshake : undefined) ??
      options.connectTimeout ?? this.#options.timeouts?.connect ?? 30_000;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        // The router lets the device's SYN through only once the real connection exists,
        // so TCP up on the device means the remote end answered: what is missing is TLS.
        const err = tls && socket.tcpConnectedAt !== undefined
          ? new LmwError("ERR_TIMEOUT_HANDSHAKE", `no TLS handshake within ${limit} ms (${options.host}:${options.port})`, { layer: "mbedtls" })
          : new LmwError("ERR_TIMEOUT_CONNECT", `no connection within ${limit} ms (${options.host}:${options.port})`, { layer: "lwip" });
        socket.destroy(err);
        reject(err);
      }, limit);
    });
    try {
      const info = await Promise.race([socket.opened, timeout]);
      const opened = performance.now();
      // The same object `opened` resolves with: whoever awaits it sees the timing too.
      info.timing = { start, resolved, tcpConnected: socket.tcpConnectedAt ?? opened, opened };
    } catch (e) {
      // The device only saw a RST; the router knows why the dial failed.
      const why = this.router.lastFailure(`${ip}:${options.port}`);
      if (why && e instanceof LmwError && e.code === "ERR_CONNECTION_REFUSED") throw why;
      throw e;
    } finally {
      clearTimeout(timer);
    }
    return socket;
  }

  /** A TCP connection from the device. */
  connectTcp(options: ConnectTcpOptions): Promise<StackSocket> {
    return this.#open(options, undefined, undefined, undefined);
  }

  /** A TLS connection from the device (lwIP altcp_tls over Mbed TLS), verified by default. */
  async connectTls(options: ConnectTlsOptions): Promise<StackSocket> {
    const { host, port, signal, connectTimeout, servername, handshakeTimeout, ...tls } = options;
    const { cfg, key } = await this.#tlsConfig(tls);
    const name = servername ?? host; // an IP literal is checked against IP subjectAltNames
    return this.#open({ host, port, signal, connectTimeout }, cfg, name, handshakeTimeout, `${name}:${port}:${key}`);
  }

  /** Forgets the saved TLS sessions (the next connections do full handshakes). */
  clearTlsSessions(): void {
    for (const s of this.#sessions.values()) s.dispose();
    this.#sessions.clear();
  }

  /** A UDP socket on the device. `send(data, host, port)` resolves names through the
   *  router's DNS; datagrams arrive on `readable`. */
  async openUdp(): Promise<{ readable: ReadableStream<Datagram>; send(data: Uint8Array, host: string, port: number): Promise<void>; close(): void }> {
    if (this.#closed) throw new LmwError("ERR_NETWORK_CLOSED", "the network is closed", { layer: "api" });
    const socket = new StackUdpSocket(this.device);
    this.#udpSockets.add(socket);
    return {
      readable: socket.readable,
      send: async (data, host, port) => {
        checkTarget(host, port);
        socket.send(data, this.deviceAddress(await this.resolve(host)), port);
      },
      close: () => {
        socket.close();
        this.#udpSockets.delete(socket);
      },
    };
  }

  /** Resource counters, for leak checks and the playground. */
  stats(): { deviceHeap: number; routerHeap: number; devicePcbs: number; routerPcbs: number; flows: number; asserts: number } {
    const pcbs = (s: Stack) => s.stat("tcp_active") + s.stat("tcp_time_wait") + s.stat("tcp_listen");
    return {
      deviceHeap: this.device.heapInUse(),
      routerHeap: this.routerStack.heapInUse(),
      devicePcbs: pcbs(this.device),
      routerPcbs: pcbs(this.routerStack),
      flows: this.router.flowCount(),
      asserts: this.device.assertCount() + this.routerStack.assertCount(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#http.close();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const u of this.#udpSockets) u.close();
    this.#udpSockets.clear();
    this.router.close();
    this.clearTlsSessions();
    for (const cfg of this.#tlsConfigs.values()) cfg.dispose();
    this.#tlsConfigs.clear();
    this.link.dispose();
    this.#deviceNetif.dispose();
    this.#routerNetif.dispose();
    this.device.dispose();
    this.routerStack.dispose();
    await this.dialer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

export function createNetwork(options: NetworkOptions = {}): Promise<Network> {
  return Network.create(options);
}
