// The router's DNS server: answers the device's A queries with fake addresses from
// 198.18.0.0/15 (RFC 2544 benchmarking space, never routed) and remembers which name each
// stands for, so the dialer - not the device - resolves names (a browser cannot resolve).

const FAKE_BASE = (198 << 24) | (18 << 16); // 198.18.0.0
const FAKE_SIZE = 1 << 17; // /15

/** True for a dotted-quad IPv4 literal ("10.0.2.2"), which needs no DNS lookup. */
export function isIPv4Literal(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host);
}

export function isFakeAddress(ip: string): boolean {
  const p = ip.split(".").map(Number);
  return p.length === 4 && p[0] === 198 && (p[1] === 18 || p[1] === 19);
}

export class FakeDns {
  #byName = new Map<string, string>();
  #byIp = new Map<string, string>();
  #next = 1;

  addressFor(name: string): string {
    const key = name.toLowerCase();
    let ip = this.#byName.get(key);
    if (!ip) {
      const n = FAKE_BASE + (this.#next++ % (FAKE_SIZE - 2)) + 1;
      ip = [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join(".");
      const old = this.#byIp.get(ip);
      if (old) this.#byName.delete(old);
      this.#byName.set(key, ip);
      this.#byIp.set(ip, key);
    }
    return ip;
  }

  nameFor(ip: string): string | undefined {
    return this.#byIp.get(ip);
  }
}

export interface DnsQuestion {
  id: number;
  flags: number;
  name: string;
  qtype: number;
  qclass: number;
  /** The question section's bytes (echoed in the answer). */
  question: Uint8Array;
}

/** Parses a DNS query with one question; undefined if it is not one. */
export function parseQuery(msg: Uint8Array): DnsQuestion | undefined {
  if (msg.length < 12) return undefined;
  const dv = new DataView(msg.buffer, msg.byteOffset, msg.byteLength);
  const flags = dv.getUint16(2);
  if (flags & 0x8000 || dv.getUint16(4) !== 1) return undefined; // a response, or not one question
  const labels: string[] = [];
  let off = 12;
  for (;;) {
    if (off >= msg.length) return undefined;
    const len = msg[off]!;
    if (len === 0) { off++; break; }
    if (len > 63 || off + 1 + len > msg.length) return undefined; // no compression in questions
    labels.push(new TextDecoder().decode(msg.subarray(off + 1, off + 1 + len)));
    off += 1 + len;
  }
  if (off + 4 > msg.length) return undefined;
  return {
    id: dv.getUint16(0),
    flags,
    name: labels.join("."),
    qtype: dv.getUint16(off),
    qclass: dv.getUint16(off + 2),
    question: msg.slice(12, off + 4),
  };
}

/** Builds the answer: `address` for an A question, NXDOMAIN when `address` is null,
 *  no records (NOERROR) for other types. */
export function buildAnswer(q: DnsQuestion, address: string | null): Uint8Array {
  const answer = address && q.qtype === 1 && q.qclass === 1;
  const out = new Uint8Array(12 + q.question.length + (answer ? 16 : 0));
  const dv = new DataView(out.buffer);
  dv.setUint16(0, q.id);
  const rd = q.flags & 0x0100;
  dv.setUint16(2, 0x8000 | 0x0400 /* AA */ | rd | 0x0080 /* RA */ | (address === null ? 3 : 0));
  dv.setUint16(4, 1);
  dv.setUint16(6, answer ? 1 : 0);
  out.set(q.question, 12);
  if (answer) {
    let o = 12 + q.question.length;
    dv.setUint16(o, 0xc00c); // name: pointer to the question
    dv.setUint16(o + 2, 1);
    dv.setUint16(o + 4, 1);
    dv.setUint32(o + 6, 60); // TTL
    dv.setUint16(o + 10, 4);
    address!.split(".").forEach((p, i) => (out[o + 12 + i] = Number(p)));
  }
  return out;
}
