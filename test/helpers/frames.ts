// Frames by hand for tests: a pcap reader, Ethernet/IPv4/UDP/ICMP builders, and a LinkEnd
// that records what reaches it (a station on the LAN whose every byte the test controls).
import { expect } from "vitest";
import type { LinkEnd } from "../../ts-bindings/src/link/link-end.js";

/** The frames of a classic pcap file (LINKTYPE_ETHERNET). */
export function parsePcap(bytes: Uint8Array): Uint8Array[] {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  expect(dv.getUint32(0, true)).toBe(0xa1b2c3d4);
  expect(dv.getUint32(20, true)).toBe(1); // Ethernet
  const frames: Uint8Array[] = [];
  for (let off = 24; off < bytes.length; ) {
    const incl = dv.getUint32(off + 8, true);
    frames.push(bytes.subarray(off + 16, off + 16 + incl));
    off += 16 + incl;
  }
  return frames;
}

export function ipBytes(ip: string): number[] {
  return ip.split(".").map(Number);
}

export function ipText(b: Uint8Array, off: number): string {
  return `${b[off]}.${b[off + 1]}.${b[off + 2]}.${b[off + 3]}`;
}

function checksum(b: Uint8Array, start: number, end: number, initial = 0): number {
  let sum = initial;
  for (let i = start; i < end; i += 2) sum += (b[i]! << 8) | (i + 1 < end ? b[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet + IPv4 frame around `l4` (protocol `proto`), checksums filled in. */
export function ipv4Frame(o: { dstMac: Uint8Array; srcMac: Uint8Array; src: string; dst: string; proto: number; l4: Uint8Array; id?: number }): Uint8Array {
  const f = new Uint8Array(14 + 20 + o.l4.length);
  f.set(o.dstMac, 0);
  f.set(o.srcMac, 6);
  f[12] = 0x08;
  const ip = 14;
  f[ip] = 0x45;
  f[ip + 2] = (20 + o.l4.length) >> 8;
  f[ip + 3] = (20 + o.l4.length) & 255;
  f[ip + 4] = ((o.id ?? 1) >> 8) & 255;
  f[ip + 5] = (o.id ?? 1) & 255;
  f[ip + 8] = 64;
  f[ip + 9] = o.proto;
  f.set(ipBytes(o.src), ip + 12);
  f.set(ipBytes(o.dst), ip + 16);
  const c = checksum(f, ip, ip + 20);
  f[ip + 10] = c >> 8;
  f[ip + 11] = c & 255;
  f.set(o.l4, ip + 20);
  const l4 = ip + 20;
  if (o.proto === 17 || o.proto === 6) {
    // Pseudo-header sum, then the segment's.
    let pseudo = 0;
    for (let i = 12; i < 20; i += 2) pseudo += (f[ip + i]! << 8) | f[ip + i + 1]!;
    pseudo += o.proto + o.l4.length;
    const at = o.proto === 17 ? 6 : 16;
    f[l4 + at] = 0;
    f[l4 + at + 1] = 0;
    let s = checksum(f, l4, l4 + o.l4.length, pseudo);
    if (o.proto === 17 && s === 0) s = 0xffff;
    f[l4 + at] = s >> 8;
    f[l4 + at + 1] = s & 255;
  } else if (o.proto === 1) {
    f[l4 + 2] = 0;
    f[l4 + 3] = 0;
    const s = checksum(f, l4, l4 + o.l4.length);
    f[l4 + 2] = s >> 8;
    f[l4 + 3] = s & 255;
  }
  return f;
}

export function udpSegment(sport: number, dport: number, payload: Uint8Array): Uint8Array {
  const u = new Uint8Array(8 + payload.length);
  const dv = new DataView(u.buffer);
  dv.setUint16(0, sport);
  dv.setUint16(2, dport);
  dv.setUint16(4, u.length);
  u.set(payload, 8);
  return u;
}

/** A TCP segment (checksum filled in by ipv4Frame); `mss` adds the option (SYNs). */
export function tcpSegment(o: { sport: number; dport: number; seq: number; ack?: number; flags: number; window?: number; payload?: Uint8Array; mss?: number }): Uint8Array {
  const opts = o.mss ? [2, 4, o.mss >> 8, o.mss & 255] : [];
  const payload = o.payload ?? new Uint8Array(0);
  const t = new Uint8Array(20 + opts.length + payload.length);
  const dv = new DataView(t.buffer);
  dv.setUint16(0, o.sport);
  dv.setUint16(2, o.dport);
  dv.setUint32(4, o.seq >>> 0);
  dv.setUint32(8, (o.ack ?? 0) >>> 0);
  t[12] = ((20 + opts.length) / 4) << 4;
  t[13] = o.flags;
  dv.setUint16(14, o.window ?? 65535);
  t.set(opts, 20);
  t.set(payload, 20 + opts.length);
  return t;
}

/** A DHCP client message (BOOTREQUEST) of `type` from `chaddr`. */
export function dhcpRequest(type: number, chaddr: Uint8Array, opts: { xid?: number; requested?: string; server?: string; ciaddr?: string } = {}): Uint8Array {
  const m = new Uint8Array(300);
  const dv = new DataView(m.buffer);
  m.set([1, 1, 6], 0);
  dv.setUint32(4, opts.xid ?? 0x1234);
  if (opts.ciaddr) m.set(ipBytes(opts.ciaddr), 12);
  m.set(chaddr, 28);
  dv.setUint32(236, 0x63825363);
  const o = [53, 1, type];
  if (opts.requested) o.push(50, 4, ...ipBytes(opts.requested));
  if (opts.server) o.push(54, 4, ...ipBytes(opts.server));
  o.push(255);
  m.set(o, 240);
  return m;
}

/** A DNS query for the A record of `name`. */
export function dnsQuery(id: number, name: string): Uint8Array {
  const labels = name.split(".").flatMap((l) => [l.length, ...new TextEncoder().encode(l)]);
  const q = new Uint8Array(12 + labels.length + 5);
  q[0] = id >> 8;
  q[1] = id & 255;
  q[2] = 1; // RD
  q[5] = 1; // one question
  q.set(labels, 12);
  q.set([0, 0, 1, 0, 1], 12 + labels.length);
  return q;
}

/** The router's MAC (createNetwork's router). */
export const ROUTER_MAC = Uint8Array.from([0x52, 0x55, 0x0a, 0x00, 0x02, 0x02]);

/** An ICMP echo request body (type 8) with `id`, `seq` and `data`. */
export function icmpEcho(id: number, seq: number, data: Uint8Array): Uint8Array {
  const m = new Uint8Array(8 + data.length);
  m[0] = 8;
  m[4] = id >> 8;
  m[5] = id & 255;
  m[6] = seq >> 8;
  m[7] = seq & 255;
  m.set(data, 8);
  return m;
}

/** An ARP request from (mac, ip) for `target`. */
export function arpRequest(mac: Uint8Array, ip: string, target: string): Uint8Array {
  const f = new Uint8Array(42);
  f.fill(0xff, 0, 6);
  f.set(mac, 6);
  f.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 1], 12);
  f.set(mac, 22);
  f.set(ipBytes(ip), 28);
  f.set(ipBytes(target), 38);
  return f;
}

/** A station whose frames the test writes by hand and whose received frames it reads. */
export class RawEnd implements LinkEnd {
  readonly mac: Uint8Array;
  readonly received: Uint8Array[] = [];
  #send: ((frame: Uint8Array) => void) | undefined;
  #waiters: { match: (f: Uint8Array) => boolean; resolve: (f: Uint8Array) => void }[] = [];
  #arpFor: number[] | undefined;

  constructor(mac: string) {
    this.mac = Uint8Array.from(mac.split(":").map((h) => Number.parseInt(h, 16)));
  }

  /** Answers ARP requests for `ip` by itself (they are not kept in `received`). */
  answerArp(ip: string): this {
    this.#arpFor = ipBytes(ip);
    return this;
  }

  input(frame: Uint8Array): void {
    const arpFor = this.#arpFor;
    if (arpFor && frame[12] === 8 && frame[13] === 6 && frame[21] === 1 && arpFor.every((b, i) => frame[38 + i] === b)) {
      const reply = new Uint8Array(42);
      reply.set(frame.subarray(6, 12), 0);
      reply.set(this.mac, 6);
      reply.set([0x08, 0x06, 0, 1, 0x08, 0, 6, 4, 0, 2], 12);
      reply.set(this.mac, 22);
      reply.set(arpFor, 28);
      reply.set(frame.subarray(22, 32), 32); // the asker's MAC and address
      this.send(reply);
      return;
    }
    this.received.push(frame);
    for (const w of [...this.#waiters]) {
      if (w.match(frame)) {
        this.#waiters.splice(this.#waiters.indexOf(w), 1);
        w.resolve(frame);
      }
    }
  }

  onFrame(handler: ((frame: Uint8Array) => void) | undefined): void {
    this.#send = handler;
  }

  send(frame: Uint8Array): void {
    if (!this.#send) throw new Error("not attached");
    this.#send(frame);
  }

  /** The next received frame (already received ones included) that `match` accepts. */
  next(match: (f: Uint8Array) => boolean): Promise<Uint8Array> {
    const seen = this.received.find(match);
    if (seen) {
      this.received.splice(this.received.indexOf(seen), 1);
      return Promise.resolve(seen);
    }
    return new Promise((resolve) => this.#waiters.push({ match, resolve: (f) => {
      this.received.splice(this.received.indexOf(f), 1);
      resolve(f);
    } }));
  }
}
