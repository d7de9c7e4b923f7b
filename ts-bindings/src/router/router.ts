// The router's TypeScript half: for each flow the C NAT holds, dial the real destination
// (names come back from the fake DNS), then let the device's SYN through and splice the
// two streams; answer the stations' DNS and DHCP queries; relay UDP (flows bounded and
// expiring, router/udp-flows.ts).
//
// The device only ever sees a RST when a dial fails: before its SYN is let through
// (the Node dialer knows at once) or after (a Wisp relay reports a failed connect only
// later, as a CLOSE). Either way the router keeps the dialer's error as the reason for
// that reset, so the device's socket can report it (resetReason, lastFailure).
import { DhcpServer } from "./dhcp-server.js";
import { UdpFlows, type UdpFlowOptions } from "./udp-flows.js";
import { buildAnswer, FakeDns, isFakeAddress, isIPv4Literal, parseQuery } from "./dns-responder.js";
import { LmwError } from "../errors.js";
import { ipv4At } from "../link/decode/wire.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import type { Netif } from "../link/netif.js";
import type { DialedStream, Dialer } from "../dialer/types.js";
import { StackListener } from "../device/listener.js";
import type { StackSocket } from "../device/socket.js";
import type { Stack } from "../device/stack.js";

export interface RouterOptions {
  dialer: Dialer & { resolve?(name: string): Promise<boolean> };
  /** The DNS server address the device uses (answered here). */
  dnsIp: string;
  /** The LAN's netmask (default /24): the DHCP server hands it out. */
  netmask?: string;
  /** The UDP flow table's bounds: idle timeout and size. */
  udpFlows?: UdpFlowOptions;
  /** Called for each flow (for logs and the playground's timeline). */
  onFlow?: (e: { target: string; host: string; port: number; ok: boolean; error?: LmwError; ms: number }) => void;
}

/** Reasons kept for resets nobody asked about (a closed socket, a C app), and failed
 *  targets remembered for lastFailure: the oldest are dropped past this. */
const MAX_RESET_REASONS = 256;

function isDialerError(e: unknown): e is LmwError {
  return e instanceof LmwError && (e.layer === "dialer" || e.layer === "wisp");
}

export class Router {
  readonly stack: Stack;
  readonly fakeDns = new FakeDns();
  /** Leases addresses to the stations of the LAN (UDP port 67). */
  readonly dhcp: DhcpServer;
  #options: RouterOptions;
  #listener: StackListener;
  #flowId: number;
  #pending = new Map<number, { remote: DialedStream; target: string }>();
  #failures = new Map<string, LmwError>();
  #resets = new Map<string, LmwError>();
  #active = new Set<{ device: StackSocket; remote: DialedStream }>();
  #udp: UdpFlows;
  #closed = false;
  #ownIp: string;

  constructor(stack: Stack, netif: Netif, options: RouterOptions) {
    this.stack = stack;
    this.#ownIp = netif.ip;
    this.#options = options;
    this.#udp = new UdpFlows(options.udpFlows);
    this.dhcp = new DhcpServer({ serverIp: netif.ip, netmask: options.netmask ?? "255.255.255.0", dnsIp: options.dnsIp });
    this.#flowId = stack.register((kind, arg) => {
      if (kind === LmwEvent.FLOW) void this.#onFlow(arg);
    });
    const err = stack.mod._lmw_router_enable(netif.ptr, this.#flowId);
    if (err !== 0) throw new LmwError("ERR_ROUTER", `cannot enable the router (${err})`, { layer: "lwip", nativeCode: err });
    {
      using dns = stack.mem.cstring(options.dnsIp);
      const e = stack.mod._lmw_router_add_address(dns.ptr);
      if (e !== 0) throw new LmwError("ERR_ROUTER", `bad DNS address ${options.dnsIp} (${e})`, { layer: "lwip", nativeCode: e });
    }
    // The port the C NAT sends every flow to (native/router/router.h), read from the module.
    const port = stack.constant("ROUTER_TCP_PORT");
    this.#listener = new StackListener(stack, { ip: netif.ip, port, backlog: 250 }, (s) => this.#onAccepted(s));
    stack.onRouterUdp = (packet) => this.#onUdp(packet);
  }

  /** Why the last dial to `ip:port` failed (the device only saw a RST). */
  lastFailure(target: string): LmwError | undefined {
    return this.#failures.get(target);
  }

  /** Why the router reset the device's connection from local port `devicePort` to
   *  `target` ("ip:port"): the dialer's error. Answered once. */
  resetReason(devicePort: number, target: string): LmwError | undefined {
    const key = `${devicePort}>${target}`;
    const why = this.#resets.get(key);
    this.#resets.delete(key);
    return why;
  }

  #remember(devicePort: number, target: string, error: LmwError): void {
    for (const [map, key] of [[this.#failures, target], [this.#resets, `${devicePort}>${target}`]] as const) {
      map.delete(key); // re-inserted last: the oldest goes first
      map.set(key, error);
      if (map.size > MAX_RESET_REASONS) map.delete(map.keys().next().value!);
    }
  }

  /** Live flows in the C NAT table. */
  flowCount(): number {
    return this.stack.mod._lmw_router_flow_count();
  }

  /** Open UDP flows (each holds a dialed socket until it has been idle for a while). */
  udpFlowCount(): number {
    return this.#udp.size;
  }

  /** What the dialer should reach for a destination the device used: the name behind a
   *  fake address, the host's loopback for the router's own address (as QEMU's 10.0.2.2),
   *  else the address itself. Undefined for a fake address no name is known for. */
  #hostFor(ip: string): string | undefined {
    if (isFakeAddress(ip)) return this.fakeDns.nameFor(ip);
    return ip === this.#ownIp ? "127.0.0.1" : ip;
  }

  async #onFlow(flowId: number): Promise<void> {
    const { mem, mod } = this.stack;
    let target: string;
    let devPort: number;
    {
      using buf = mem.alloc(64);
      using port = mem.alloc(4);
      if (mod._lmw_router_flow_target(flowId, buf.ptr, 64, port.ptr) !== 0) return;
      target = mem.readCString(buf.ptr);
      devPort = port.u32();
    }
    const colon = target.lastIndexOf(":");
    const ip = target.slice(0, colon);
    const port = Number(target.slice(colon + 1));
    const host = this.#hostFor(ip);
    const t0 = performance.now();
    try {
      if (!host) throw new LmwError("ERR_DNS_NOT_FOUND", `no name is known for ${ip}`, { layer: "dns" });
      const remote = await this.#options.dialer.dialTcp({ host, port });
      if (this.#closed) {
        remote.destroy();
        return;
      }
      this.#failures.delete(target);
      this.#pending.set(devPort, { remote, target });
      mod._lmw_router_flow_accept(flowId);
      this.#options.onFlow?.({ target, host, port, ok: true, ms: performance.now() - t0 });
    } catch (e) {
      const error = e instanceof LmwError ? e : new LmwError("ERR_DIAL_FAILED", String(e), { layer: "dialer", cause: e });
      this.#remember(devPort, target, error);
      if (!this.#closed) mod._lmw_router_flow_reject(flowId);
      this.#options.onFlow?.({ target, host: host ?? ip, port, ok: false, error, ms: performance.now() - t0 });
    }
    this.stack.kick();
  }

  #onAccepted(device: StackSocket): void {
    const remoteAddr = device.info?.remoteAddress ?? "";
    const devPort = Number(remoteAddr.slice(remoteAddr.lastIndexOf(":") + 1));
    const pending = this.#pending.get(devPort);
    this.#pending.delete(devPort);
    if (!pending) {
      device.destroy();
      return;
    }
    const { remote, target } = pending;
    const pair = { device, remote };
    this.#active.add(pair);
    // Device -> remote. If the remote stops taking data (it closed), what the device still
    // sends (a TLS close_notify, say) is read and dropped: the download may still be
    // draining toward the device, and a reset now would cut it off.
    const up = device.readable.pipeTo(remote.writable, { preventCancel: true }).catch(() =>
      device.readable.pipeTo(new WritableStream()).catch(() => {}),
    );
    // Remote -> device: its end is the device's FIN; its failure, the device's RST, with
    // the dialer's error kept as the reason (for Wisp, a failed connect arrives here).
    // preventAbort: the reason must be kept before the RST goes out, not after.
    const down = remote.readable.pipeTo(device.writable, { preventAbort: true }).catch((e: unknown) => {
      if (isDialerError(e)) this.#remember(devPort, target, e);
      device.destroy(e);
      remote.destroy();
    });
    void Promise.allSettled([up, down]).then(() => this.#active.delete(pair));
  }

  #onUdp(packet: Uint8Array): void {
    const ihl = (packet[0]! & 0x0f) * 4;
    if (packet.length < ihl + 8) return;
    const dv = new DataView(packet.buffer, packet.byteOffset, packet.byteLength);
    const src = ipv4At(packet, 12);
    const dst = ipv4At(packet, 16);
    const sport = dv.getUint16(ihl);
    const dport = dv.getUint16(ihl + 2);
    const ulen = dv.getUint16(ihl + 4);
    const payload = packet.slice(ihl + 8, ihl + Math.min(ulen, packet.length - ihl));
    if (dport === 67 && (dst === "255.255.255.255" || dst === this.#ownIp)) {
      const reply = this.dhcp.handle(payload);
      if (reply) this.#sendUdp(this.#ownIp, 67, reply.to, 68, reply.payload);
      return;
    }
    if (dst === this.#options.dnsIp && dport === 53) {
      void this.#answerDns(payload, src, sport);
      return;
    }
    const key = `${src}:${sport}>${dst}:${dport}`;
    const flow = this.#udp.get(key, () => {
      const host = this.#hostFor(dst);
      const dial = this.#options.dialer.dialUdp;
      return host && dial
        ? dial.call(this.#options.dialer, { host, port: dport }).then((d) => {
            d.onMessage((m) => {
              this.#udp.touch(key);
              this.#sendUdp(dst, dport, src, sport, m);
            });
            return d;
          }, () => undefined)
        : Promise.resolve(undefined);
    });
    void flow.then((d) => {
      try {
        d?.send(payload);
      } catch {
        /* the flow's socket is gone (closed, evicted): the datagram is lost, as UDP may */
      }
    });
  }

  async #answerDns(query: Uint8Array, client: string, clientPort: number): Promise<void> {
    const q = parseQuery(query);
    if (!q) return;
    let address: string | null = null;
    if (isIPv4Literal(q.name)) address = q.name;
    else if (q.name !== "" && (!this.#options.dialer.resolve || (await this.#options.dialer.resolve(q.name)))) {
      address = this.fakeDns.addressFor(q.name);
    }
    if (this.#closed) return;
    this.#sendUdp(this.#options.dnsIp, 53, client, clientPort, buildAnswer(q, address));
  }

  #sendUdp(srcIp: string, srcPort: number, dstIp: string, dstPort: number, payload: Uint8Array): void {
    if (this.#closed) return;
    const { mem, mod } = this.stack;
    using s = mem.cstring(srcIp);
    using d = mem.cstring(dstIp);
    using p = mem.bytes(payload);
    mod._lmw_router_udp_send(s.ptr, srcPort, d.ptr, dstPort, p.ptr, payload.length);
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const { device, remote } of this.#active) {
      device.destroy();
      remote.destroy();
    }
    this.#active.clear();
    for (const { remote } of this.#pending.values()) remote.destroy();
    this.#pending.clear();
    this.#udp.close();
    this.#listener.dispose();
    this.stack.onRouterUdp = undefined;
    if (!this.stack.disposed) this.stack.mod._lmw_router_disable();
    this.stack.unregister(this.#flowId);
  }
}
