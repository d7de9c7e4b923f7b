// One Ethernet frame of the device's link, decoded layer by layer the way Wireshark's
// detail pane shows it: Ethernet II, ARP, IPv4, TCP, UDP and DNS. TLS needs the TCP
// stream, not one frame: see tls-stream.ts.
//
// Every layer keeps its byte range in the frame, so a view can highlight it in a hex dump.
// Malformed or truncated frames decode as far as they go; nothing here throws on input.
import { dhcpTypeName, parseDhcp } from "./dhcp.js";
import { decodeDns } from "./dns.js";
import { hex, hex16, ipv4At, u16, u32 } from "./wire.js";

export type Field = readonly [label: string, value: string];

export interface Layer {
  /** "Ethernet II", "ARP", "IPv4", "TCP", "UDP", "DNS", "TLS". */
  name: string;
  /** One line, as in the packet list. */
  summary: string;
  /** Computed when read (most frames of a capture are never opened). */
  fields: Field[];
  /** Byte range of the layer (header and what it carries) in the frame. */
  start: number;
  end: number;
}

export interface TcpSegment {
  src: string;
  dst: string;
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number;
  /** The payload's range in the frame. */
  payloadStart: number;
  payloadEnd: number;
}

export interface DecodedFrame {
  layers: Layer[];
  /** The packet list's line: the top layer's summary. */
  summary: string;
  /** The top protocol: "ARP", "DNS", "TCP", ... */
  protocol: string;
  tcp?: TcpSegment;
}

export const TCP_FLAGS: readonly (readonly [number, string])[] = [
  [0x02, "SYN"], [0x10, "ACK"], [0x08, "PSH"], [0x01, "FIN"], [0x04, "RST"], [0x20, "URG"], [0x40, "ECE"], [0x80, "CWR"],
];

const ETHERTYPES: Record<number, string> = { 0x0800: "IPv4", 0x0806: "ARP", 0x86dd: "IPv6" };
const IP_PROTOCOLS: Record<number, string> = { 1: "ICMP", 6: "TCP", 17: "UDP" };

const mac = (b: Uint8Array, o: number): string => hex(b.subarray(o, o + 6), ":");

export function tcpFlagNames(flags: number): string {
  return TCP_FLAGS.filter(([bit]) => flags & bit).map(([, n]) => n).join(",");
}

/** Decodes one Ethernet frame. */
export function decodeFrame(f: Uint8Array): DecodedFrame {
  const layers: Layer[] = [];
  const out: DecodedFrame = { layers, summary: "", protocol: "Ethernet" };
  if (f.length < 14) {
    out.summary = `short frame (${f.length} bytes)`;
    layers.push({ name: "Ethernet II", summary: out.summary, fields: [["Length", `${f.length} bytes`]], start: 0, end: f.length });
    return out;
  }
  const type = u16(f, 12);
  const typeName = ETHERTYPES[type] ?? "unknown";
  layers.push({
    name: "Ethernet II",
    get summary() {
      return `${mac(f, 6)} → ${mac(f, 0)}`;
    },
    get fields(): Field[] {
      return [
      ["Destination", mac(f, 0)],
      ["Source", mac(f, 6)],
      ["Type", `0x${type.toString(16).padStart(4, "0")} (${typeName})`],
      ["Frame length", `${f.length} bytes`],
      ];
    },
    start: 0,
    end: f.length,
  });
  out.summary = `ethertype 0x${type.toString(16)} (${f.length} bytes)`;
  if (type === 0x0806) decodeArp(f, out);
  else if (type === 0x0800) decodeIpv4(f, out);
  return out;
}

function decodeArp(f: Uint8Array, out: DecodedFrame): void {
  if (f.length < 42) return;
  const op = u16(f, 20);
  const summary = op === 1 ? `ARP who-has ${ipv4At(f, 38)} tell ${ipv4At(f, 28)}` : op === 2 ? `ARP ${ipv4At(f, 28)} is-at ${mac(f, 22)}` : `ARP op ${op}`;
  out.protocol = "ARP";
  out.summary = summary;
  out.layers.push({
    name: "ARP",
    summary,
    fields: [
      ["Operation", op === 1 ? "request (1)" : op === 2 ? "reply (2)" : String(op)],
      ["Sender MAC", mac(f, 22)],
      ["Sender IP", ipv4At(f, 28)],
      ["Target MAC", mac(f, 32)],
      ["Target IP", ipv4At(f, 38)],
    ],
    start: 14,
    end: 42,
  });
}

function decodeIpv4(f: Uint8Array, out: DecodedFrame): void {
  if (f.length < 34) return;
  const ihl = (f[14]! & 15) * 4;
  const total = u16(f, 16);
  const end = Math.min(f.length, 14 + total);
  const proto = f[23]!;
  const src = ipv4At(f, 26);
  const dst = ipv4At(f, 30);
  const flagsFrag = u16(f, 20);
  out.protocol = "IPv4";
  out.summary = `IPv4 proto ${proto} ${src} > ${dst} len=${total}`;
  out.layers.push({
    name: "IPv4",
    get summary() {
      return `${src} → ${dst}, ${IP_PROTOCOLS[proto] ?? `protocol ${proto}`}`;
    },
    get fields(): Field[] {
      return [
      ["Version", String(f[14]! >> 4)],
      ["Header length", `${ihl} bytes`],
      ["DSCP / ECN", `0x${f[15]!.toString(16).padStart(2, "0")}`],
      ["Total length", String(total)],
      ["Identification", hex16(u16(f, 18))],
      ["Flags", `${flagsFrag & 0x4000 ? "DF" : ""}${flagsFrag & 0x2000 ? " MF" : ""}`.trim() || "none"],
      ["Fragment offset", String((flagsFrag & 0x1fff) * 8)],
      ["TTL", String(f[22])],
      ["Protocol", `${IP_PROTOCOLS[proto] ?? "?"} (${proto})`],
      ["Header checksum", hex16(u16(f, 24))],
      ["Source", src],
      ["Destination", dst],
      ];
    },
    start: 14,
    end,
  });
  const l4 = 14 + ihl;
  if (proto === 6) decodeTcp(f, l4, end, src, dst, out);
  else if (proto === 17) decodeUdp(f, l4, end, src, dst, out);
}

function decodeTcp(f: Uint8Array, o: number, end: number, src: string, dst: string, out: DecodedFrame): void {
  if (end < o + 20) return;
  const srcPort = u16(f, o);
  const dstPort = u16(f, o + 2);
  const seq = u32(f, o + 4);
  const ack = u32(f, o + 8);
  const hlen = (f[o + 12]! >> 4) * 4;
  const flags = f[o + 13]!;
  const payloadStart = Math.min(o + hlen, end);
  const len = end - payloadStart;
  const names = tcpFlagNames(flags);
  out.protocol = "TCP";
  out.summary = `TCP ${src}:${srcPort} > ${dst}:${dstPort} [${names}] len=${len}`;
  out.tcp = { src, dst, srcPort, dstPort, seq, ack, flags, payloadStart, payloadEnd: end };
  // Built when a view asks (a capture has thousands of frames; few are opened).
  const fields = (): Field[] => {
    const fields: Field[] = [
      ["Source port", String(srcPort)],
      ["Destination port", String(dstPort)],
      ["Sequence number", String(seq)],
      ["Acknowledgment number", flags & 0x10 ? String(ack) : "—"],
      ["Header length", `${hlen} bytes`],
      ["Flags", `0x${flags.toString(16).padStart(2, "0")} (${names || "none"})`],
      ["Window", String(u16(f, o + 14))],
      ["Checksum", hex16(u16(f, o + 16))],
      ["Payload", `${len} bytes`],
    ];
    // Options: MSS and window scale are what lwIP negotiates.
    for (let p = o + 20; p < Math.min(o + hlen, end);) {
      const kind = f[p]!;
      if (kind === 0) break;
      if (kind === 1) {
        p++;
        continue;
      }
      const olen = f[p + 1] ?? 0;
      if (olen < 2) break;
      if (kind === 2 && olen === 4) fields.push(["Option: MSS", String(u16(f, p + 2))]);
      else if (kind === 3 && olen === 3) fields.push(["Option: window scale", String(f[p + 2])]);
      else if (kind === 4) fields.push(["Option: SACK permitted", "yes"]);
      else if (kind === 8 && olen === 10) fields.push(["Option: timestamps", `${u32(f, p + 2)} / ${u32(f, p + 6)}`]);
      else fields.push([`Option ${kind}`, `${olen} bytes`]);
      p += olen;
    }
    return fields;
  };
  out.layers.push({
    name: "TCP",
    get summary() {
      return `${srcPort} → ${dstPort} [${names}] seq=${seq}${flags & 0x10 ? ` ack=${ack}` : ""} len=${len}`;
    },
    get fields() {
      return fields();
    },
    start: o,
    end,
  });
}

function decodeUdp(f: Uint8Array, o: number, end: number, src: string, dst: string, out: DecodedFrame): void {
  if (end < o + 8) return;
  const srcPort = u16(f, o);
  const dstPort = u16(f, o + 2);
  const len = u16(f, o + 4);
  out.protocol = "UDP";
  const isDns = srcPort === 53 || dstPort === 53;
  const isDhcp = (srcPort === 67 && dstPort === 68) || (srcPort === 68 && dstPort === 67);
  let what = isDns ? " (DNS)" : "";
  if (isDhcp) {
    const m = parseDhcp(f.subarray(o + 8, end));
    what = m ? ` (DHCP ${dhcpTypeName(m.type)}${m.yiaddr !== "0.0.0.0" ? ` ${m.yiaddr}` : ""})` : " (DHCP)";
    if (m) out.protocol = "DHCP";
  }
  out.summary = `UDP ${src}:${srcPort} > ${dst}:${dstPort}${what} len=${len - 8}`;
  out.layers.push({
    name: "UDP",
    get summary() {
      return `${srcPort} → ${dstPort} len=${len - 8}`;
    },
    get fields(): Field[] {
      return [
      ["Source port", String(srcPort)],
      ["Destination port", String(dstPort)],
      ["Length", String(len)],
      ["Checksum", hex16(u16(f, o + 6))],
      ];
    },
    start: o,
    end,
  });
  if (isDns) {
    const dns = decodeDns(f.subarray(o + 8, end));
    if (dns) {
      out.protocol = "DNS";
      out.summary = `${out.summary.replace(/ len=\d+$/, "")} ${dns.summary}`;
      out.layers.push({ name: "DNS", summary: dns.summary, fields: dns.fields, start: o + 8, end });
    }
  }
}
