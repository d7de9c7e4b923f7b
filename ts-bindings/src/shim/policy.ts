// The outbound policy: which targets a stream may reach, and the one address it dials.
// Every rule is applied before any socket is opened; names are resolved here (all
// addresses) and every address must pass, so the shim connects to exactly what it checked.

import * as dns from "node:dns";
import { CloseReason } from "../wisp/packet.js";
import { classifyAddress, hostMatches, isAddressAllowed, parseAddress, portMatches } from "./address.js";
import type { LookupFn, ResolvedOptions } from "./options.js";
import { verifyToken } from "./token.js";

export type Refusal = { ok: false; reason: number; why: string };
export type Resolved = { ok: true; address: string; family: 4 | 6 };

const HOSTNAME_RE = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

export const defaultLookup: LookupFn = (hostname) =>
  new Promise((resolve, reject) => {
    dns.lookup(hostname, { all: true, verbatim: true }, (err, addresses) => (err ? reject(err) : resolve(addresses)));
  });

/** The Wisp close reason for a failed connect(). */
export function connectErrorReason(err: NodeJS.ErrnoException): number {
  switch (err.code) {
    case "ECONNREFUSED":
      return CloseReason.REFUSED;
    case "EHOSTUNREACH":
    case "ENETUNREACH":
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
    case "EAI_NONAME":
      return CloseReason.UNREACHABLE;
    case "ETIMEDOUT":
      return CloseReason.CONNECT_TIMEOUT;
    default:
      return CloseReason.NETWORK_ERROR;
  }
}

/** Applies the whole policy to one target and returns the one address to dial. */
export async function resolveTarget(
  o: ResolvedOptions,
  lookup: LookupFn,
  hostIn: string,
  port: number,
  token: string | undefined,
): Promise<Resolved | Refusal> {
  const host = hostIn.startsWith("[") && hostIn.endsWith("]") ? hostIn.slice(1, -1) : hostIn;
  if (host.length === 0 || port === 0) return { ok: false, reason: CloseReason.INVALID_INFO, why: "empty host or port 0" };
  if (o.denyPorts?.some((r) => portMatches(r, port))) return { ok: false, reason: CloseReason.BLOCKED, why: "port denied" };
  if (o.allowPorts && !o.allowPorts.some((r) => portMatches(r, port))) {
    return { ok: false, reason: CloseReason.BLOCKED, why: "port not allowed" };
  }
  if (o.denyHosts?.some((p) => hostMatches(p, host))) return { ok: false, reason: CloseReason.BLOCKED, why: "host denied" };
  if (o.allowHosts && !o.allowHosts.some((p) => hostMatches(p, host))) {
    return { ok: false, reason: CloseReason.BLOCKED, why: "host not allowed" };
  }
  if (o.tokenSecret !== undefined) {
    const check = verifyToken(o.tokenSecret, token ?? "", { host, port });
    if (!check.ok) return { ok: false, reason: CloseReason.BLOCKED, why: `token ${check.why}` };
  }
  let candidates: string[];
  const literal = parseAddress(host);
  if (literal) {
    candidates = [literal.address];
  } else {
    if (!HOSTNAME_RE.test(host)) return { ok: false, reason: CloseReason.INVALID_INFO, why: "invalid hostname" };
    let timer: NodeJS.Timeout | undefined;
    try {
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(Object.assign(new Error("lookup timed out"), { code: "ETIMEOUT" })), o.connectTimeoutMs);
      });
      const found = await Promise.race([lookup(host), timeout]);
      candidates = found.map((f) => f.address);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code ?? "error";
      const reason = code === "ETIMEOUT" ? CloseReason.CONNECT_TIMEOUT : CloseReason.UNREACHABLE;
      return { ok: false, reason, why: `lookup failed: ${code}` };
    } finally {
      clearTimeout(timer);
    }
    if (candidates.length === 0) return { ok: false, reason: CloseReason.UNREACHABLE, why: "no addresses" };
  }
  let chosen: Resolved | undefined;
  for (const c of candidates) {
    const a = parseAddress(c);
    // Every address the name has must pass: a name that mixes public and internal
    // addresses is refused whole.
    if (!a || !isAddressAllowed(a, o)) {
      return { ok: false, reason: CloseReason.BLOCKED, why: `address ${a ? classifyAddress(a) : "unparseable"}` };
    }
    if (o.denyHosts?.some((p) => hostMatches(p, a.address))) {
      return { ok: false, reason: CloseReason.BLOCKED, why: "address denied" };
    }
    chosen ??= { ok: true, address: a.address, family: a.family };
  }
  return chosen!;
}
