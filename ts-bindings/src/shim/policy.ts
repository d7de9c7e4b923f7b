// The outbound policy: which targets a stream may reach, and the one address it dials.
// Every rule is applied before any socket is opened; names are resolved here (all
// addresses, through the bounded DnsLimiter) and every address must pass, so the shim
// connects to exactly what it checked.
//
// Host rules compare normalised forms: names in lower case without a trailing dot,
// addresses in canonical form and through the IPv4 address an IPv6 one embeds
// (`::ffff:127.0.0.1` is 127.0.0.1), CIDR blocks by prefix. Deny rules are matched
// against the requested host and against every address it resolves to. Allow rules
// pass a name only by a name rule (`*.example.com`), an address literal only by an
// address or block: a name that merely resolves into an allowed block is not allowed.

import * as dns from "node:dns";
import { CloseReason } from "../wisp/packet.js";
import {
  classifyAddress,
  isAddressAllowed,
  parseAddress,
  parseHostRule,
  portMatches,
  ruleMatchesAddress,
  ruleMatchesHost,
  type HostRule,
  type ParsedAddress,
} from "./address.js";
import type { DnsClient } from "./dns.js";
import type { LookupFn, ResolvedOptions } from "./options.js";
import { verifyToken } from "./token.js";

export type Refusal = { ok: false; reason: number; why: string };
export type Resolved = { ok: true; address: string; family: 4 | 6 };

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

export const defaultLookup: LookupFn = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** The Wisp close reason for a failed connect(); see CloseReason for the whole table. */
export function connectErrorReason(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case "ECONNREFUSED":
      return CloseReason.REFUSED;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "ENETDOWN":
    case "EHOSTDOWN":
    case "EADDRNOTAVAIL":
      return CloseReason.UNREACHABLE;
    case "ETIMEDOUT":
      return CloseReason.CONNECT_TIMEOUT;
    default:
      // Not 0x03: before a stream is up, 0x03 means "the name did not resolve".
      return CloseReason.UNKNOWN;
  }
}

const refuse = (reason: number, why: string): Refusal => ({ ok: false, reason, why });

export class TargetPolicy {
  private readonly allow: HostRule[] | undefined;
  private readonly deny: HostRule[];

  /** Throws ERR_INVALID_ARG for a host rule it cannot parse. */
  constructor(private readonly o: ResolvedOptions) {
    this.allow = o.allowHosts?.map(parseHostRule);
    this.deny = (o.denyHosts ?? []).map(parseHostRule);
  }

  private addressRefusal(a: ParsedAddress): Refusal | null {
    if (!isAddressAllowed(a, this.o)) return refuse(CloseReason.BLOCKED, `address ${classifyAddress(a)}`);
    if (this.deny.some((r) => ruleMatchesAddress(r, a))) return refuse(CloseReason.BLOCKED, "address denied");
    return null;
  }

  /** Applies the whole policy to one target and returns the one address to dial, or
   *  null if the connection went away while its name was being looked up. */
  async resolve(hostIn: string, port: number, token: string | undefined, dnsClient: DnsClient): Promise<Resolved | Refusal | null> {
    const host = hostIn.startsWith("[") && hostIn.endsWith("]") ? hostIn.slice(1, -1) : hostIn;
    if (host.length === 0 || port === 0) return refuse(CloseReason.INVALID_INFO, "empty host or port 0");
    const o = this.o;
    if (o.denyPorts?.some((r) => portMatches(r, port))) return refuse(CloseReason.BLOCKED, "port denied");
    if (o.allowPorts && !o.allowPorts.some((r) => portMatches(r, port))) return refuse(CloseReason.BLOCKED, "port not allowed");
    if (this.deny.some((r) => ruleMatchesHost(r, host))) return refuse(CloseReason.BLOCKED, "host denied");
    const literal = parseAddress(host);
    if (this.allow && !this.allow.some((r) => ruleMatchesHost(r, host))) return refuse(CloseReason.BLOCKED, "host not allowed");
    if (o.tokenSecret !== undefined) {
      const check = verifyToken(o.tokenSecret, token ?? "", { host, port });
      if (!check.ok) return refuse(CloseReason.BLOCKED, `token ${check.why}`);
    }
    let candidates: string[];
    if (literal) {
      candidates = [literal.address];
    } else {
      if (!HOSTNAME_RE.test(host)) return refuse(CloseReason.INVALID_INFO, "invalid hostname");
      const found = await dnsClient.lookup(host);
      if (!found.ok) {
        switch (found.kind) {
          case "cancelled":
            return null;
          case "timeout":
            return refuse(CloseReason.CONNECT_TIMEOUT, "lookup timed out");
          case "throttled":
            return refuse(CloseReason.THROTTLED, "too many lookups waiting");
          case "failed":
            return refuse(CloseReason.NAME_NOT_RESOLVED, `lookup failed: ${found.code}`);
        }
      }
      candidates = found.addresses;
      if (candidates.length === 0) return refuse(CloseReason.NAME_NOT_RESOLVED, "no addresses");
    }
    let chosen: Resolved | undefined;
    for (const c of candidates) {
      const a = parseAddress(c);
      // Every address the name has must pass: a name that mixes public and internal
      // addresses is refused whole.
      if (!a) return refuse(CloseReason.BLOCKED, "address unparseable");
      const refusal = this.addressRefusal(a);
      if (refusal) return refusal;
      chosen ??= { ok: true, address: a.address, family: a.family };
    }
    return chosen!;
  }
}
