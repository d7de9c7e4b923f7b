// Packet captures Wireshark opens: classic pcap (LINKTYPE_ETHERNET), one record per frame
// on the device's link, and the TLS key log (NSS format) to decrypt them.
import type { FrameTap } from "./link-end.js";
import { dhcpTypeName, parseDhcp } from "../router/dhcp-server.js";

const LINKTYPE_ETHERNET = 1;

export class PcapWriter {
  #chunks: Uint8Array[] = [];
  #bytes = 0;
  readonly maxBytes: number;
  #dropped = 0;

  /** Keeps at most `maxBytes` of capture (later frames are counted as dropped). */
  constructor(maxBytes = 64 * 1024 * 1024) {
    this.maxBytes = maxBytes;
    const h = new DataView(new ArrayBuffer(24));
    h.setUint32(0, 0xa1b2c3d4, true); // magic, microsecond timestamps
    h.setUint16(4, 2, true);
    h.setUint16(6, 4, true);
    h.setUint32(16, 65535, true); // snaplen
    h.setUint32(20, LINKTYPE_ETHERNET, true);
    this.#push(new Uint8Array(h.buffer));
  }

  #push(b: Uint8Array): void {
    this.#chunks.push(b);
    this.#bytes += b.length;
  }

  /** A tap for VirtualLink.addTap / NetworkOptions.onFrame. */
  readonly tap: FrameTap = (frame, _from, timeMs) => this.add(frame, timeMs);

  add(frame: Uint8Array, timeMs = Date.now()): void {
    if (this.#bytes + 16 + frame.length > this.maxBytes) {
      this.#dropped++;
      return;
    }
    const rec = new Uint8Array(16 + frame.length);
    const dv = new DataView(rec.buffer);
    const us = Math.round(timeMs * 1000);
    dv.setUint32(0, Math.floor(us / 1e6), true);
    dv.setUint32(4, us % 1e6, true);
    dv.setUint32(8, frame.length, true);
    dv.setUint32(12, frame.length, true);
    rec.set(frame, 16);
    this.#push(rec);
  }

  get dropped(): number {
    return this.#dropped;
  }

  /** The capture so far, as one .pcap file. */
  bytes(): Uint8Array {
    const out = new Uint8Array(this.#bytes);
    let off = 0;
    for (const c of this.#chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}

/** Collects NSS key log lines (the `keylog` log source of a stack). */
export class KeyLog {
  readonly lines: string[] = [];
  add(line: string): void {
    this.lines.push(line);
  }
  text(): string {
    return this.lines.length ? this.lines.join("\n") + "\n" : "";
  }
}

/** A one-line summary of an Ethernet frame (for logs and the playground's packet list). */
export function summarizeFrame(f: Uint8Array): string {
  if (f.length < 14) return `short frame (${f.length} bytes)`;
  const type = (f[12]! << 8) | f[13]!;
  if (type === 0x0806 && f.length >= 42) {
    const op = (f[20]! << 8) | f[21]!;
    const ip = (o: number) => `${f[o]}.${f[o + 1]}.${f[o + 2]}.${f[o + 3]}`;
    return op === 1 ? `ARP who-has ${ip(38)} tell ${ip(28)}` : `ARP ${ip(28)} is-at ${[...f.subarray(22, 28)].map((b) => b.toString(16).padStart(2, "0")).join(":")}`;
  }
  if (type !== 0x0800 || f.length < 34) return `ethertype 0x${type.toString(16)} (${f.length} bytes)`;
  const ihl = (f[14]! & 15) * 4;
  const proto = f[23]!;
  const src = `${f[26]}.${f[27]}.${f[28]}.${f[29]}`;
  const dst = `${f[30]}.${f[31]}.${f[32]}.${f[33]}`;
  const total = (f[16]! << 8) | f[17]!;
  const l4 = 14 + ihl;
  if (proto === 6 && f.length >= l4 + 20) {
    const sp = (f[l4]! << 8) | f[l4 + 1]!;
    const dp = (f[l4 + 2]! << 8) | f[l4 + 3]!;
    const flags = f[l4 + 13]!;
    const names = [[2, "SYN"], [16, "ACK"], [1, "FIN"], [4, "RST"], [8, "PSH"]].filter(([b]) => flags & (b as number)).map(([, n]) => n);
    const dataLen = total - ihl - (f[l4 + 12]! >> 4) * 4;
    return `TCP ${src}:${sp} > ${dst}:${dp} [${names.join(",")}] len=${dataLen}`;
  }
  if (proto === 17 && f.length >= l4 + 8) {
    const sp = (f[l4]! << 8) | f[l4 + 1]!;
    const dp = (f[l4 + 2]! << 8) | f[l4 + 3]!;
    let what = sp === 53 || dp === 53 ? " (DNS)" : "";
    if ((sp === 67 && dp === 68) || (sp === 68 && dp === 67)) {
      const m = parseDhcp(f.subarray(l4 + 8, 14 + total));
      what = m ? ` (DHCP ${dhcpTypeName(m.type)}${m.yiaddr !== "0.0.0.0" ? ` ${m.yiaddr}` : ""})` : " (DHCP)";
    }
    return `UDP ${src}:${sp} > ${dst}:${dp}${what} len=${total - ihl - 8}`;
  }
  return `IPv4 proto ${proto} ${src} > ${dst} len=${total}`;
}
