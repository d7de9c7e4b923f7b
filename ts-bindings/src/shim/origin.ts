// Which browser pages may open a WebSocket to the shim (the Origin check at upgrade).
//
// With an `origins` list: exactly those (or "*"). Without one, a browser is allowed only
// from the shim's own origin (Origin host == Host header), and only where that cannot be
// a DNS-rebound page: a page on a *name* that points at the shim (`127.0.0.1.nip.io`)
// is same-origin on paper. So a Host name passes only when the shim listens on loopback
// and the name is a loopback name (localhost); a Host that is an IP literal passes (a
// page can only have that origin if it was loaded from that address). No Origin header:
// not a browser, allowed.

import { classifyAddress, parseAddress, splitHostPort } from "./address.js";

function hostPart(host: string): string {
  const hp = splitHostPort(host);
  const name = hp ? hp.host : host;
  return name.startsWith("[") && name.endsWith("]") ? name.slice(1, -1) : name;
}

function isLoopbackHost(host: string): boolean {
  const name = hostPart(host).toLowerCase();
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  const a = parseAddress(name);
  return a !== null && classifyAddress(a) === "loopback";
}

/** An IP literal in its usual spelling (dotted quad or IPv6), not a name that parses. */
function isIpLiteralHost(host: string): boolean {
  const name = hostPart(host);
  return parseAddress(name) !== null && (/^\d{1,3}(\.\d{1,3}){3}$/.test(name) || name.includes(":"));
}

export interface OriginPolicy {
  origins: string[] | undefined;
  /** The shim listens on a loopback address (not 0.0.0.0 / ::). */
  listenIsLoopback: boolean;
}

export function originAllowed(origin: string | undefined, host: string | undefined, p: OriginPolicy): boolean {
  if (origin === undefined) return true;
  if (p.origins) return p.origins.includes("*") || p.origins.includes(origin.replace(/\/$/, ""));
  if (!host) return false;
  let originHost: string;
  try {
    originHost = new URL(origin).host;
  } catch {
    return false;
  }
  if (originHost.toLowerCase() !== host.toLowerCase()) return false;
  if (p.listenIsLoopback) return isLoopbackHost(host);
  return isIpLiteralHost(host);
}
