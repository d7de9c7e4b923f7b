// Address normalisation and classification for the shim's outbound policy.
//
// Our own parser, on purpose: the forms libc's inet_aton accepts (`127.1`, `2130706433`,
// `0x7f000001`, `0177.0.0.1`) and IPv6 literals that embed an IPv4 address
// (`::ffff:127.0.0.1`, NAT64 `64:ff9b::7f00:1`) must all land on the same canonical
// address before the policy looks at it. The policy is then applied to the addresses a
// name resolves to, and the shim connects to exactly the address it checked.

import { LmwError } from "../errors.js";

/** What an address is, for policy purposes. */
export type AddressClass =
  | "public"
  /** 127/8, ::1, 0/8 and :: (connecting to "unspecified" reaches this host). */
  | "loopback"
  /** RFC 1918, CGNAT 100.64/10, link-local, unique-local fc00::/7, site-local fec0::/10. */
  | "private"
  /** Multicast, broadcast, documentation, benchmarking, reserved: never dialled. */
  | "reserved";

export interface ParsedAddress {
  family: 4 | 6;
  /** 4 or 16 bytes, network order. */
  bytes: Uint8Array;
  /** Canonical text form (dotted quad; RFC 5952 style for IPv6 as Node prints it). */
  address: string;
}

function parseIPv4Part(part: string): number | null {
  if (part.length === 0) return null;
  let value: number;
  if (/^0[xX][0-9a-fA-F]*$/.test(part)) {
    const digits = part.slice(2);
    value = digits.length === 0 ? 0 : parseInt(digits, 16); // inet_aton accepts a bare "0x"
  } else if (/^0[0-7]*$/.test(part)) {
    value = part.length === 1 ? 0 : parseInt(part.slice(1), 8);
  } else if (/^[1-9][0-9]*$/.test(part)) {
    value = parseInt(part, 10);
  } else {
    return null;
  }
  return Number.isSafeInteger(value) ? value : null;
}

/** IPv4 in every form inet_aton accepts: a, a.b, a.b.c, a.b.c.d; each part decimal,
 *  octal (leading 0) or hex (0x); the last part fills the remaining bytes. */
export function parseIPv4Loose(text: string): Uint8Array | null {
  if (text.length === 0 || text.length > 64) return null;
  const parts = text.split(".");
  if (parts.length > 4) return null;
  const values: number[] = [];
  for (const p of parts) {
    const v = parseIPv4Part(p);
    if (v === null) return null;
    values.push(v);
  }
  const last = values.pop()!;
  for (const v of values) if (v > 0xff) return null;
  const lastBytes = 4 - values.length;
  if (last >= 2 ** (8 * lastBytes)) return null;
  const out = new Uint8Array(4);
  values.forEach((v, i) => (out[i] = v));
  for (let i = 0; i < lastBytes; i++) out[3 - i] = Math.floor(last / 2 ** (8 * i)) & 0xff;
  return out;
}

/** IPv6 text (with `::`, an embedded dotted IPv4 tail, optional brackets and zone id). */
export function parseIPv6(text: string): Uint8Array | null {
  let s = text;
  if (s.startsWith("[") && s.endsWith("]")) s = s.slice(1, -1);
  const zone = s.indexOf("%");
  if (zone >= 0) s = s.slice(0, zone);
  if (s.length === 0 || s.length > 45 || !/^[0-9a-fA-F:.]+$/.test(s)) return null;
  const halves = s.split("::");
  if (halves.length > 2) return null;
  const parseGroups = (h: string): number[] | null => {
    if (h.length === 0) return [];
    const groups: number[] = [];
    const items = h.split(":");
    for (let i = 0; i < items.length; i++) {
      const item = items[i]!;
      if (item.includes(".")) {
        if (i !== items.length - 1) return null;
        // The embedded IPv4 tail must be a plain dotted quad (RFC 4291).
        if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(item)) return null;
        const q = item.split(".").map(Number);
        if (q.some((n) => n > 255)) return null;
        groups.push((q[0]! << 8) | q[1]!, (q[2]! << 8) | q[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
        groups.push(parseInt(item, 16));
      }
    }
    return groups;
  };
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  let groups: number[];
  if (halves.length === 2) {
    const missing = 8 - head.length - tail.length;
    if (missing < 1) return null;
    groups = [...head, ...new Array<number>(missing).fill(0), ...tail];
  } else {
    groups = head;
  }
  if (groups.length !== 8) return null;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    out[2 * i] = g >> 8;
    out[2 * i + 1] = g & 0xff;
  });
  return out;
}

export function formatIPv4(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

export function formatIPv6(b: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((b[i]! << 8) | b[i + 1]!);
  // Longest run of zero groups (length >= 2) becomes "::".
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(":");
  return `${hex.slice(0, bestStart).join(":")}::${hex.slice(bestStart + bestLen).join(":")}`;
}

/** Parses an IP literal in any accepted form; null if `text` is not an IP literal. */
export function parseAddress(text: string): ParsedAddress | null {
  const v4 = parseIPv4Loose(text);
  if (v4) return { family: 4, bytes: v4, address: formatIPv4(v4) };
  const v6 = parseIPv6(text);
  if (v6) return { family: 6, bytes: v6, address: formatIPv6(v6) };
  return null;
}

function inV4(b: Uint8Array, net: readonly [number, number, number, number], prefix: number): boolean {
  for (let bit = 0; bit < prefix; bit += 8) {
    const bits = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((b[bit / 8]! ^ net[bit / 8]!) & mask) !== 0) return false;
  }
  return true;
}

function classifyIPv4(b: Uint8Array): AddressClass {
  const r = (a: number, b2: number, c: number, d: number, p: number) => inV4(b, [a, b2, c, d], p);
  if (r(127, 0, 0, 0, 8) || r(0, 0, 0, 0, 8)) return "loopback";
  if (r(10, 0, 0, 0, 8) || r(172, 16, 0, 0, 12) || r(192, 168, 0, 0, 16)) return "private";
  if (r(100, 64, 0, 0, 10) || r(169, 254, 0, 0, 16)) return "private";
  if (
    r(224, 0, 0, 0, 4) || // multicast
    r(240, 0, 0, 0, 4) || // reserved, includes 255.255.255.255 broadcast
    r(192, 0, 0, 0, 24) || // IETF protocol assignments
    r(192, 0, 2, 0, 24) || r(198, 51, 100, 0, 24) || r(203, 0, 113, 0, 24) || // documentation
    r(198, 18, 0, 0, 15) || // benchmarking (also our router's fake-IP range)
    r(192, 88, 99, 0, 24) // 6to4 relay anycast (deprecated)
  ) {
    return "reserved";
  }
  return "public";
}

function worse(a: AddressClass, b: AddressClass): AddressClass {
  const rank: Record<AddressClass, number> = { public: 0, private: 1, loopback: 2, reserved: 3 };
  return rank[a] >= rank[b] ? a : b;
}

function classifyIPv6(b: Uint8Array): AddressClass {
  const zeroUpTo = (n: number) => b.subarray(0, n).every((x) => x === 0);
  const tail4 = b.subarray(12, 16);
  // :: and ::1
  if (zeroUpTo(15) && (b[15] === 0 || b[15] === 1)) return "loopback";
  // IPv4-mapped ::ffff:a.b.c.d, IPv4-compatible ::a.b.c.d (deprecated), IPv4-translated
  // ::ffff:0:a.b.c.d: judge the embedded IPv4 address.
  if (zeroUpTo(10) && b[10] === 0xff && b[11] === 0xff) return classifyIPv4(tail4);
  if (zeroUpTo(12)) return worse("reserved", classifyIPv4(tail4));
  if (zeroUpTo(8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0) return worse("reserved", classifyIPv4(tail4));
  // NAT64 well-known prefix 64:ff9b::/96: the gateway would dial the embedded IPv4.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b.subarray(4, 12).every((x) => x === 0)) {
    return classifyIPv4(tail4);
  }
  // Local-use NAT64 64:ff9b:1::/48: a site's own translator.
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && b[4] === 0 && b[5] === 1) return "private";
  // 6to4 2002::/16 embeds an IPv4 address in bits 16..48.
  if (b[0] === 0x20 && b[1] === 0x02) return worse("public", classifyIPv4(b.subarray(2, 6)));
  if (b[0] === 0xff) return "reserved"; // multicast
  if ((b[0]! & 0xfe) === 0xfc) return "private"; // unique local fc00::/7
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0x80) return "private"; // link-local fe80::/10
  if (b[0] === 0xfe && (b[1]! & 0xc0) === 0xc0) return "private"; // site-local fec0::/10 (deprecated)
  if (b[0] === 0x20 && b[1] === 0x01 && b[2] === 0x0d && b[3] === 0xb8) return "reserved"; // documentation
  if (b[0] === 0x3f && b[1] === 0xff && (b[2]! & 0xf0) === 0) return "reserved"; // documentation 3fff::/20
  if (b[0] === 0x01 && b[1] === 0x00 && b.subarray(2, 8).every((x) => x === 0)) return "reserved"; // discard 100::/64
  if (b[0] === 0x20 && b[1] === 0x01 && (b[2]! & 0xfe) === 0) return "reserved"; // 2001::/23 IETF (Teredo, ORCHID...)
  if ((b[0]! & 0xe0) !== 0x20) return "reserved"; // outside global unicast 2000::/3
  return "public";
}

export function classifyAddress(a: ParsedAddress): AddressClass {
  return a.family === 4 ? classifyIPv4(a.bytes) : classifyIPv6(a.bytes);
}

export interface AddressPolicy {
  allowLoopback?: boolean;
  allowPrivate?: boolean;
}

/** True if the policy lets the shim dial this address. */
export function isAddressAllowed(a: ParsedAddress, policy: AddressPolicy): boolean {
  switch (classifyAddress(a)) {
    case "public":
      return true;
    case "loopback":
      return policy.allowLoopback === true;
    case "private":
      return policy.allowPrivate === true;
    case "reserved":
      return false;
  }
}

/** A name as the policy compares it: lower case, without the root's trailing dot. */
export function normaliseHostName(host: string): string {
  const h = host.toLowerCase();
  return h.endsWith(".") ? h.slice(0, -1) : h;
}

/** The IPv4 address embedded in an IPv6 one that reaches it (mapped ::ffff:a.b.c.d,
 *  compatible ::a.b.c.d, translated ::ffff:0:a.b.c.d, NAT64 64:ff9b::a.b.c.d), or null. */
export function embeddedIPv4(a: ParsedAddress): ParsedAddress | null {
  if (a.family !== 6) return null;
  const b = a.bytes;
  const zero = (from: number, to: number) => b.subarray(from, to).every((x) => x === 0);
  const mapped = zero(0, 10) && b[10] === 0xff && b[11] === 0xff;
  const compatible = zero(0, 12) && !zero(12, 16);
  const translated = zero(0, 8) && b[8] === 0xff && b[9] === 0xff && b[10] === 0 && b[11] === 0;
  const nat64 = b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(4, 12);
  if (!mapped && !compatible && !translated && !nat64) return null;
  const v4 = b.slice(12, 16);
  return { family: 4, bytes: v4, address: formatIPv4(v4) };
}

/** One --allow-host / --deny-host entry, parsed once at start-up. */
export type HostRule =
  | { kind: "name"; name: string }
  /** `*.example.com`: any name below example.com (not example.com itself). */
  | { kind: "suffix"; suffix: string }
  /** An address (a /32 or /128) or a CIDR block. */
  | { kind: "cidr"; family: 4 | 6; bytes: Uint8Array; prefix: number };

const RULE_NAME_RE = /^(?:\*\.)?(?=.{1,253}$)[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_](?:[a-z0-9_-]{0,62}))*$/;

/** Parses a host rule: a name, `*.name`, an address in any spelling, or `address/prefix`.
 *  Throws ERR_INVALID_ARG with the reason for anything else (never a rule that matches nothing). */
export function parseHostRule(text: string): HostRule {
  const bad = (why: string) => new LmwError("ERR_INVALID_ARG", `host rule ${JSON.stringify(text)}: ${why}`, { layer: "shim" });
  if (text !== text.trim() || text.length === 0) throw bad("empty or surrounded by spaces");
  const slash = text.indexOf("/");
  if (slash >= 0) {
    const a = parseAddress(text.slice(0, slash));
    const prefixText = text.slice(slash + 1);
    if (!a) throw bad("not an address before '/'");
    const max = a.family === 4 ? 32 : 128;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max) throw bad(`prefix must be 0..${max}`);
    const prefix = Number(prefixText);
    const masked = a.bytes.slice();
    for (let bit = prefix; bit < max; bit++) masked[bit >> 3]! &= ~(0x80 >> (bit & 7));
    if (masked.some((x, i) => x !== a.bytes[i])) throw bad("address has bits set past the prefix");
    return { kind: "cidr", family: a.family, bytes: masked, prefix };
  }
  const a = parseAddress(text);
  if (a) return { kind: "cidr", family: a.family, bytes: a.bytes, prefix: a.family === 4 ? 32 : 128 };
  const name = normaliseHostName(text);
  if (!RULE_NAME_RE.test(name)) throw bad("not a host name, *.name, address or CIDR block");
  return name.startsWith("*.") ? { kind: "suffix", suffix: name.slice(1) } : { kind: "name", name };
}

function inCidr(rule: Extract<HostRule, { kind: "cidr" }>, a: ParsedAddress): boolean {
  if (rule.family !== a.family) return false;
  for (let bit = 0; bit < rule.prefix; bit += 8) {
    const bits = Math.min(8, rule.prefix - bit);
    const mask = (0xff << (8 - bits)) & 0xff;
    if (((a.bytes[bit >> 3]! ^ rule.bytes[bit >> 3]!) & mask) !== 0) return false;
  }
  return true;
}

/** True if the rule covers this address, in its own family or through the IPv4 address it embeds. */
export function ruleMatchesAddress(rule: HostRule, a: ParsedAddress): boolean {
  if (rule.kind !== "cidr") return false;
  if (inCidr(rule, a)) return true;
  const v4 = embeddedIPv4(a);
  return v4 !== null && inCidr(rule, v4);
}

/** True if the rule covers this requested host (a name or an address literal). */
export function ruleMatchesHost(rule: HostRule, host: string): boolean {
  const a = parseAddress(host.startsWith("[") && host.endsWith("]") ? host.slice(1, -1) : host);
  if (a) return ruleMatchesAddress(rule, a);
  const h = normaliseHostName(host);
  if (rule.kind === "name") return h === rule.name;
  if (rule.kind === "suffix") return h.endsWith(rule.suffix) && h.length > rule.suffix.length;
  return false;
}

/** Host pattern match: exact name (case and a trailing dot ignored), `*.example.com` for
 *  any subdomain of example.com (not example.com itself), an address in any spelling
 *  (IPv4-mapped IPv6 included) or a CIDR block. */
export function hostMatches(pattern: string, host: string): boolean {
  return ruleMatchesHost(parseHostRule(pattern.trim()), host);
}

/** A port entry: a number or an inclusive [from, to] range. */
export type PortRule = number | readonly [number, number];

export function portMatches(rule: PortRule, port: number): boolean {
  return typeof rule === "number" ? rule === port : port >= rule[0] && port <= rule[1];
}

/** `host:port`, `[v6]:port` -> parts; null if malformed. */
export function splitHostPort(text: string): { host: string; port: number } | null {
  let host: string;
  let portText: string;
  if (text.startsWith("[")) {
    const end = text.indexOf("]");
    if (end < 0 || text[end + 1] !== ":") return null;
    host = text.slice(1, end);
    portText = text.slice(end + 2);
  } else {
    const i = text.lastIndexOf(":");
    if (i < 0) return null;
    host = text.slice(0, i);
    portText = text.slice(i + 1);
  }
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (host.length === 0 || port > 65535) return null;
  return { host, port };
}
