// createNetwork(): the device stack (lwIP + altcp_tls + Mbed TLS) on a virtual Ethernet
// link to the router stack, whose flows go to a Dialer. The user-facing API.
import { bundledCa } from "./ffi/ca-bundle.js";
import { LwipErr } from "./ffi/generated/errors.js";
import { LmwEvent } from "./ffi/generated/exports.js";
import { VERSION } from "./ffi/generated/version.js";
import { LmwError } from "./errors.js";
import { createFetch, type FetchClient, type LmwFetch } from "./http/index.js";
import type { LinkEnd } from "./link/link-end.js";
import { Netif } from "./link/netif.js";
import { Switch } from "./link/switch.js";
import { isIPv4Literal } from "./router/dns-responder.js";
import { Router } from "./router/router.js";
import { seededRandom, VirtualClock } from "./router/deterministic.js";
import type { ActiveForward, Forwarder } from "./router/forward.js";
import type { ByteSocket } from "./device/socket-types.js";
import type { Dialer } from "./dialer/types.js";
import { hasMappings, MappingDialer } from "./dialer/mapping.js";
import { StackSocket } from "./device/socket.js";
import { StackUdpSocket, type Datagram } from "./device/udp.js";
import { Stack } from "./device/stack.js";
import { TlsConfig, TlsSession, type TlsClientOptions } from "./device/tls-config.js";
import { checkTarget, type ConnectTcpOptions, type ConnectTlsOptions, type NetworkOptions } from "./network-options.js";

export type { ConnectTcpOptions, ConnectTlsOptions, DeviceOptions, NetworkOptions } from "./network-options.js";
export { isIPv4Literal };

export class Network implements AsyncDisposable {
  readonly routerStack: Stack;
  readonly router: Router;
  /** The LAN: the router, the device (unless `device: false`) and every attached end. */
  readonly link: Switch;
  readonly dialer: Dialer;
  /** The router's virtual clock in deterministic mode (advance it to run its timers). */
  readonly clock: VirtualClock | undefined;
  #device: Stack | undefined;
  #deviceNetif: Netif | undefined;
  #routerNetif: Netif;
  #options: NetworkOptions;
  #tlsConfigs = new Map<string, TlsConfig>();
  #sessions = new Map<string, TlsSession>();
  #udpSockets = new Set<StackUdpSocket>();
  #sockets = new Set<ByteSocket>();
  #closed = false;
  #gateway: string;
  #deviceIp: string;
  #forwarder: Forwarder | undefined;
  #http: FetchClient;
  /** WHATWG fetch through the device stack (lwIP + altcp_tls + Mbed TLS). Rejects with
   *  an LmwError carrying a stable code (ERR_TLS_CERT_EXPIRED, ERR_DNS_NOT_FOUND, ...). */
  readonly fetch: LmwFetch;

  private constructor(device: Stack | undefined, routerStack: Stack, dialer: Dialer, options: NetworkOptions, clock: VirtualClock | undefined) {
    this.#device = device;
    this.clock = clock;
    this.routerStack = routerStack;
    this.dialer = dialer;
    this.#options = options;
    const d = { ip: "10.0.2.15", netmask: "255.255.255.0", gateway: "10.0.2.2", dns: "10.0.2.3", mac: "52:54:00:12:34:56", ...(options.device || {}) };
    this.#gateway = d.gateway;
    this.#deviceIp = d.ip;
    this.#routerNetif = new Netif(routerStack, { mac: "52:55:0a:00:02:02", ip: d.gateway, netmask: d.netmask, isDefault: true });
    this.link = new Switch();
    if (options.onFrame) this.link.addTap(options.onFrame);
    this.link.attach(this.#routerNetif);
    this.router = new Router(routerStack, this.#routerNetif, {
      dialer, dnsIp: d.dns, netmask: d.netmask, udpFlows: { now: clock ? () => clock.now() : undefined, ...options.udpFlows },
    });
    if (device) {
      const ip = d.dhcp ? "0.0.0.0" : d.ip;
      this.#deviceNetif = new Netif(device, { mac: d.mac, ip, netmask: d.netmask, gateway: d.dhcp ? "0.0.0.0" : d.gateway, isDefault: true });
      // While the LAN holds only the device and the router, it lives in memory: the
      // largest MTU and no checksums, unless a capture watches it (addTap turns them on)
      // or another station joins (attach). Set before the first frame, as on a new wire.
      const mtu = options.linkMtu ?? device.constant("FAST_LINK_MTU");
      const checksums = !!options.onFrame;
      for (const n of [this.#deviceNetif, this.#routerNetif]) n.setLink(mtu, checksums);
      this.link.attach(this.#deviceNetif);
      using dns = device.mem.cstring(d.dns);
      device.mod._lmw_dns_set_server(0, dns.ptr);
    }
    this.#http = createFetch({
      connect: (o) => o.tls
        // fetch speaks HTTP/1.1 only, and says so by ALPN (servers that insist on ALPN accept it).
        ? this.connectTls({ host: o.host, port: o.port, servername: o.servername, alpn: o.alpn ?? ["http/1.1"], signal: o.signal })
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
    // Rules (mappings, forwards) are checked before any stack exists: ERR_INVALID_ARG.
    if (hasMappings(options)) dialer = new MappingDialer(dialer, options);
    const forward = options.forward?.length ? await loadForward() : undefined;
    const rules = forward?.forwardRules(options.forward!);
    const common = { onLog: options.onLog, debug: options.debug };
    const det = options.deterministic;
    const clock = det ? det.clock ?? new VirtualClock() : undefined;
    const virtual = det && clock ? { clock, random: seededRandom(det.seed), wallTimeS: () => clock.wallTimeS() } : {};
    const [device, router] = await Promise.all([
      options.device === false ? undefined : Stack.create({ name: "device", ...common }),
      Stack.create({ name: "router", onLog: options.onLog, ...virtual }),
    ]);
    const net = new Network(device, router, dialer, options, clock);
    if (options.device && options.device.dhcp) await net.#dhcp();
    if (forward && rules) {
      try {
        net.#forwarder = await forward.Forwarder.start(router, rules, net.#deviceIp);
      } catch (e) {
        await net.close();
        throw e;
      }
    }
    return net;
  }

  /** The forwards listening, with the host ports actually used (hostPort 0 picks one). */
  get forwards(): readonly ActiveForward[] {
    return this.#forwarder?.forwards ?? [];
  }

  /** Waits for the device's lease (the router answers at once; lwIP retries on its own). */
  async #dhcp(): Promise<void> {
    try {
      const lease = await this.#deviceNetif!.startDhcp(AbortSignal.timeout(this.#options.timeouts?.connect ?? 30_000));
      this.#gateway = lease.gateway;
      this.#deviceIp = lease.ip;
    } catch (e) {
      await this.close();
      throw new LmwError("ERR_DHCP", "the device got no DHCP lease", { layer: "lwip", cause: e });
    }
  }

  /** The library's device stack; ERR_NO_DEVICE for a network made with `device: false`. */
  get device(): Stack {
    if (!this.#device) throw new LmwError("ERR_NO_DEVICE", "this network has no device of its own (device: false)", { layer: "api" });
    return this.#device;
  }

  /** Puts `end` on the LAN with the router (a Pico program's netif, a StreamLinkEnd, a
   *  Netif of another stack). It gets its address from the router's DHCP server or uses
   *  a static one of 10.0.2.0/24. */
  attach(end: LinkEnd): { detach(): void } {
    if (this.#closed) throw new LmwError("ERR_NETWORK_CLOSED", "the network is closed", { layer: "api" });
    this.#toEthernet();
    return this.link.attach(end);
  }

  /** Another station shares the LAN from now on (a Pico program's lwIP, a native stack):
   *  it checks checksums and expects Ethernet-sized frames, so the router's LAN interface
   *  and the device's go to MTU 1500 with checksums, and stay so (lwIP keeps a TCP
   *  connection's MSS from its SYN, so connections opened before keep their segments). */
  #toEthernet(): void {
    for (const n of [this.#routerNetif, this.#deviceNetif]) {
      if (n && (n.mtu !== 1500 || !n.checksums)) n.setLink(1500, true);
    }
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
    // The device only sees a RST when a dial fails, at connect or (Wisp) later: the
    // router knows why.
    const target = `${ip}:${options.port}`;
    socket.explainReset = (localPort) => this.router.resetReason(localPort, target);
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
  stats(): {
    deviceHeap: number;
    routerHeap: number;
    devicePcbs: number;
    routerPcbs: number;
    /** C connection handles (lmw_conn) not yet freed: sockets and listeners. */
    deviceConns: number;
    routerConns: number;
    flows: number;
    /** The router's open UDP flows (router/udp-flows.ts). */
    udpFlows: number;
    asserts: number;
  } {
    const pcbs = (s: Stack) => s.stat("tcp_active") + s.stat("tcp_time_wait") + s.stat("tcp_listen");
    const device = this.#device;
    return {
      deviceHeap: device?.heapInUse() ?? 0,
      routerHeap: this.routerStack.heapInUse(),
      devicePcbs: device ? pcbs(device) : 0,
      routerPcbs: pcbs(this.routerStack),
      deviceConns: device?.stat("conns") ?? 0,
      routerConns: this.routerStack.stat("conns"),
      flows: this.router.flowCount(),
      udpFlows: this.router.udpFlowCount(),
      asserts: (device?.assertCount() ?? 0) + this.routerStack.assertCount(),
    };
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#http.close();
    await this.#forwarder?.close();
    for (const s of this.#sockets) s.destroy();
    this.#sockets.clear();
    for (const u of this.#udpSockets) u.close();
    this.#udpSockets.clear();
    this.router.close();
    this.clearTlsSessions();
    for (const cfg of this.#tlsConfigs.values()) cfg.dispose();
    this.#tlsConfigs.clear();
    this.link.dispose();
    this.#deviceNetif?.dispose();
    this.#routerNetif.dispose();
    this.#device?.dispose();
    this.routerStack.dispose();
    await this.dialer.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}

/** The forwards' module: Node only, so it is loaded only when forwards are asked for. */
async function loadForward(): Promise<typeof import("./router/forward.js")> {
  if (typeof process === "undefined" || !process.versions?.node) {
    throw new LmwError("ERR_INVALID_ARG", "forward needs Node: a browser cannot listen on host ports", { layer: "api" });
  }
  const path = "./router/forward.js"; // not static: bundlers must not pull node:net into browser builds
  return (await import(/* @vite-ignore */ path)) as typeof import("./router/forward.js");
}

export function createNetwork(options: NetworkOptions = {}): Promise<Network> {
  return Network.create(options);
}
