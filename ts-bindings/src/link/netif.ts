// An Ethernet interface of a stack (lmw_netif): frames in and out of lwIP.
import { LmwError } from "../errors.js";
import { LmwEvent } from "../ffi/generated/exports.js";
import { lwipErrorName } from "../ffi/native-errors.js";
import type { Stack } from "../device/stack.js";
import type { LinkEnd } from "./link-end.js";

export interface NetifOptions {
  /** "02:00:00:00:00:01" or 6 bytes. */
  mac: string | Uint8Array;
  ip: string;
  netmask?: string;
  gateway?: string;
  /** Make it the default route of its stack. */
  isDefault?: boolean;
}

let nextLinkId = 1;

export function parseMac(mac: string | Uint8Array): Uint8Array {
  if (mac instanceof Uint8Array) {
    if (mac.length !== 6) throw new TypeError("a MAC address has 6 bytes");
    return mac;
  }
  const parts = mac.split(/[:-]/).map((h) => Number.parseInt(h, 16));
  if (parts.length !== 6 || parts.some((p) => !(p >= 0 && p <= 255))) throw new TypeError(`bad MAC address "${mac}"`);
  return Uint8Array.from(parts);
}

/** The addresses a netif has (static, or bound by DHCP). */
export interface NetifAddresses {
  ip: string;
  netmask: string;
  gateway: string;
}

export class Netif implements LinkEnd, Disposable {
  readonly stack: Stack;
  readonly linkId: number;
  readonly mac: Uint8Array;
  #ip: string;
  #ptr: number;
  #mtu = 1500;
  #checksums = true;
  #dhcpId = 0;

  constructor(stack: Stack, options: NetifOptions) {
    this.stack = stack;
    this.linkId = nextLinkId++;
    this.mac = parseMac(options.mac);
    this.#ip = options.ip;
    const { mem, mod } = stack;
    using mac = mem.bytes(this.mac);
    using ip = mem.cstring(options.ip);
    using mask = mem.cstring(options.netmask ?? "255.255.255.0");
    using gw = mem.cstring(options.gateway ?? "0.0.0.0");
    using out = mem.alloc(4);
    const err = mod._lmw_netif_add(this.linkId, mac.ptr, ip.ptr, mask.ptr, gw.ptr, options.isDefault ? 1 : 0, out.ptr);
    if (err !== 0) throw new LmwError("ERR_NETIF", `cannot add netif ${options.ip}: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err });
    this.#ptr = out.u32();
    stack.kick();
  }

  get ptr(): number {
    return this.#ptr;
  }

  /** The IPv4 address (0.0.0.0 until DHCP has bound one). */
  get ip(): string {
    return this.#ip;
  }

  /** The addresses lwIP holds for this netif now. */
  addresses(): NetifAddresses {
    using buf = this.stack.mem.alloc(64);
    this.stack.mod._lmw_netif_addresses(this.#ptr, buf.ptr, 64);
    const [ip = "0.0.0.0", netmask = "0.0.0.0", gateway = "0.0.0.0"] = this.stack.mem.readCString(buf.ptr).split(" ");
    return { ip, netmask, gateway };
  }

  /** Starts lwIP's DHCP client on this netif (made with ip 0.0.0.0); resolves with the
   *  addresses once bound (DISCOVER, OFFER, REQUEST, ACK), also DNS servers set from the
   *  lease. lwIP retries on its own; `signal` gives up waiting (ERR_ABORTED). */
  startDhcp(signal?: AbortSignal): Promise<NetifAddresses> {
    if (this.#ptr === 0) return Promise.reject(new LmwError("ERR_NETIF", "the netif is disposed", { layer: "api" }));
    if (this.#dhcpId !== 0) return Promise.reject(new LmwError("ERR_NETIF", "DHCP is already running on this netif", { layer: "api" }));
    return new Promise((resolve, reject) => {
      const done = (e?: unknown) => {
        signal?.removeEventListener("abort", onAbort);
        if (e) reject(e);
        else resolve(this.addresses());
      };
      const onAbort = () => done(new LmwError("ERR_ABORTED", "aborted while waiting for a DHCP lease", { layer: "api", cause: signal!.reason }));
      this.#dhcpId = this.stack.register((kind, arg) => {
        if (kind !== LmwEvent.NETIF) return;
        this.#ip = this.addresses().ip;
        if (arg === 1) done();
      });
      const err = this.stack.mod._lmw_netif_dhcp_start(this.#ptr, this.#dhcpId);
      this.stack.kick();
      if (err !== 0) {
        this.stack.unregister(this.#dhcpId);
        this.#dhcpId = 0;
        done(new LmwError("ERR_NETIF", `cannot start DHCP: ${lwipErrorName(err)}`, { layer: "lwip", nativeCode: err }));
      } else if (signal) {
        if (signal.aborted) onAbort();
        else signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }

  /** Frames this netif sends go to `sink`. */
  onFrame(sink: ((frame: Uint8Array) => void) | undefined): void {
    this.stack.setLinkSink(this.linkId, sink);
  }

  /** The link's MTU (TCP's MSS follows it) and whether lwIP computes and checks checksums
   *  on it; a new netif has MTU 1500 with checksums, as on a wire. */
  setLink(mtu: number, checksums: boolean): void {
    if (this.#ptr === 0) return;
    const err = this.stack.mod._lmw_netif_set_link(this.#ptr, mtu, checksums ? 1 : 0);
    if (err !== 0) throw new LmwError("ERR_INVALID_ARG", `bad MTU ${mtu} (576-${this.stack.constant("FAST_LINK_MTU")})`, { layer: "api", nativeCode: err });
    this.#mtu = mtu;
    this.#checksums = checksums;
  }

  get mtu(): number {
    return this.#mtu;
  }

  /** Whether lwIP computes and checks checksums on this netif (setLink). */
  get checksums(): boolean {
    return this.#checksums;
  }

  setChecksums(on: boolean): void {
    if (on !== this.#checksums) this.setLink(this.#mtu, on);
  }

  /** Delivers a received frame. */
  input(frame: Uint8Array): void {
    if (this.#ptr !== 0) this.stack.inputFrame(this.#ptr, frame);
  }

  dispose(): void {
    if (this.#ptr === 0) return;
    this.onFrame(undefined);
    if (this.#dhcpId !== 0) {
      if (!this.stack.disposed) this.stack.mod._lmw_netif_dhcp_stop(this.#ptr);
      this.stack.unregister(this.#dhcpId);
      this.#dhcpId = 0;
    }
    if (!this.stack.disposed) this.stack.mod._lmw_netif_free(this.#ptr);
    this.#ptr = 0;
  }

  [Symbol.dispose](): void {
    this.dispose();
  }
}
