// The router's DHCP server (RFC 2131), as QEMU's user networking has one: leases from
// 10.0.2.15 up, one per MAC address (the same address again for the same MAC), the router
// 10.0.2.2 as gateway and the fake-DNS server 10.0.2.3, a /24. Pure message logic: the
// router hands it each datagram for port 67 and sends what it returns.
import { BOOTREPLY, BOOTREQUEST, DhcpType, FIXED, MAGIC, OPT, parseDhcp, type DhcpMessage } from "../link/decode/dhcp.js";
import { formatMac } from "../link/link-end.js";

const MIN_REPLY = 300; // BOOTP's minimum message size; some clients drop shorter ones

export interface DhcpServerOptions {
  /** The server's (the router's) address: gateway and server identifier. */
  serverIp: string;
  netmask: string;
  dnsIp: string;
  /** The first address leased (default: the server's subnet's .15, QEMU's first guest). */
  firstIp?: string;
  /** How many addresses (default 16, as QEMU's slirp). */
  poolSize?: number;
  /** Lease time in seconds (default 86400). */
  leaseSeconds?: number;
}

function ipToNum(ip: string): number {
  const p = ip.split(".").map(Number);
  return ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
}

function numToIp(n: number): string {
  return `${n >>> 24}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export interface DhcpReply {
  /** The datagram (from serverIp:67). */
  payload: Uint8Array;
  /** Where it goes: 255.255.255.255 for a client without an address, else its address. */
  to: string;
}

export class DhcpServer {
  readonly options: Required<DhcpServerOptions>;
  #leases = new Map<string, number>(); // MAC -> address
  #byIp = new Map<number, string>(); // address -> MAC
  #declined = new Set<number>();
  #server: number;

  constructor(options: DhcpServerOptions) {
    this.#server = ipToNum(options.serverIp);
    const first = options.firstIp ?? numToIp(((this.#server & ipToNum(options.netmask)) | 15) >>> 0);
    this.options = { poolSize: 16, leaseSeconds: 86400, firstIp: first, ...options };
  }

  /** The leases: MAC ("52:54:00:12:34:56") -> address. */
  leases(): Map<string, string> {
    return new Map([...this.#leases].map(([mac, ip]) => [mac, numToIp(ip)]));
  }

  /** The address for `mac`: its lease, or the first free one (undefined when none is). */
  #addressFor(mac: string, wanted?: number): number | undefined {
    const held = this.#leases.get(mac);
    if (held !== undefined) return held;
    const first = ipToNum(this.options.firstIp);
    const free = (ip: number) => !this.#byIp.has(ip) && !this.#declined.has(ip) && ip !== this.#server && ip !== ipToNum(this.options.dnsIp);
    if (wanted !== undefined && wanted >= first && wanted < first + this.options.poolSize && free(wanted)) return wanted;
    for (let i = 0; i < this.options.poolSize; i++) {
      if (free(first + i)) return first + i;
    }
    return undefined;
  }

  #bind(mac: string, ip: number): void {
    this.#leases.set(mac, ip);
    this.#byIp.set(ip, mac);
  }

  #release(mac: string): void {
    const ip = this.#leases.get(mac);
    if (ip === undefined) return;
    this.#leases.delete(mac);
    this.#byIp.delete(ip);
  }

  /** The answer to one datagram a client sent to port 67, if it gets one. */
  handle(datagram: Uint8Array): DhcpReply | undefined {
    const m = parseDhcp(datagram);
    if (!m || m.op !== BOOTREQUEST) return undefined;
    const mac = formatMac(m.chaddr);
    const serverIp = numToIp(this.#server);
    switch (m.type) {
      case DhcpType.DISCOVER: {
        const ip = this.#addressFor(mac, m.requestedIp ? ipToNum(m.requestedIp) : undefined);
        if (ip === undefined) return undefined;
        this.#bind(mac, ip); // held for this MAC from the offer on, as QEMU's slirp does
        return this.#reply(m, DhcpType.OFFER, ip);
      }
      case DhcpType.REQUEST: {
        if (m.serverId !== undefined && m.serverId !== serverIp) {
          this.#release(mac); // it chose another server's offer
          return undefined;
        }
        const asked = m.requestedIp ?? (m.ciaddr !== "0.0.0.0" ? m.ciaddr : undefined);
        if (asked === undefined) return undefined;
        const ip = this.#addressFor(mac, ipToNum(asked));
        if (ip !== ipToNum(asked)) return this.#reply(m, DhcpType.NAK, 0);
        this.#bind(mac, ip);
        return this.#reply(m, DhcpType.ACK, ip);
      }
      case DhcpType.DECLINE: {
        const ip = this.#leases.get(mac);
        if (ip !== undefined) this.#declined.add(ip);
        this.#release(mac);
        return undefined;
      }
      case DhcpType.RELEASE:
        this.#release(mac);
        return undefined;
      case DhcpType.INFORM:
        return this.#reply(m, DhcpType.ACK, 0);
      default:
        return undefined;
    }
  }

  #reply(m: DhcpMessage, type: number, yiaddr: number): DhcpReply {
    const o = this.options;
    const opts: number[] = [OPT.TYPE, 1, type, OPT.SERVER_ID, 4, ...ipBytes(this.#server)];
    if (type !== DhcpType.NAK) {
      if (type !== DhcpType.ACK || yiaddr !== 0) opts.push(OPT.LEASE, 4, ...u32(o.leaseSeconds));
      opts.push(OPT.MASK, 4, ...ipBytes(ipToNum(o.netmask)), OPT.ROUTER, 4, ...ipBytes(this.#server), OPT.DNS, 4, ...ipBytes(ipToNum(o.dnsIp)));
    }
    opts.push(OPT.END);
    const out = new Uint8Array(Math.max(MIN_REPLY, FIXED + 4 + opts.length));
    const dv = new DataView(out.buffer);
    out[0] = BOOTREPLY;
    out[1] = 1;
    out[2] = 6;
    dv.setUint32(4, m.xid);
    dv.setUint16(10, m.flags);
    if (type === DhcpType.ACK && yiaddr === 0) out.set(ipBytes(ipToNum(m.ciaddr)), 12); // INFORM: ciaddr back
    out.set(ipBytes(yiaddr), 16);
    if (type !== DhcpType.NAK) out.set(ipBytes(this.#server), 20); // siaddr
    out.set(m.chaddr, 28);
    dv.setUint32(FIXED, MAGIC);
    out.set(opts, FIXED + 4);
    // A bound client renewing (ciaddr set) is answered at its address; others by broadcast.
    const to = type !== DhcpType.NAK && m.ciaddr !== "0.0.0.0" ? m.ciaddr : "255.255.255.255";
    return { payload: out, to };
  }
}

function ipBytes(n: number): number[] {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255];
}

function u32(n: number): number[] {
  return ipBytes(n >>> 0);
}
