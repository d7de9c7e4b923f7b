// Human-readable lines about a connection and a response, for lwip-https -v and for
// examples/main.ts. Plain text without the "* " prefix; callers add their own.
import type { ConnectionReport } from "./session.js";

export function connectionLines(c: ConnectionReport): string[] {
  const lines: string[] = [];
  if (c.resolvedAddress !== c.host) {
    const fake = c.resolvedAddress.startsWith("198.18.") || c.resolvedAddress.startsWith("198.19.");
    lines.push(`Resolved ${c.host} to ${c.resolvedAddress}${fake ? " (the router's stand-in address; the dialer resolves the real one)" : ""}`);
  }
  lines.push(`Connected to ${c.host} (${c.info.remoteAddress || `${c.resolvedAddress}:${c.port}`}) from ${c.info.localAddress || "?"}`);
  const tls = c.info.tls;
  if (tls) {
    lines.push(`TLS ${tls.version}, ${tls.cipherSuite}, ALPN: ${tls.alpnProtocol ?? "none"}`);
    if (tls.peerCertificates.length === 0) lines.push("Server certificate chain: not kept (verification is off)");
    else {
      lines.push("Server certificate chain:");
      tls.peerCertificates.forEach((cert, i) => {
        lines.push(` ${i} subject: ${cert.subject}`);
        lines.push(`   issuer:  ${cert.issuer}`);
        lines.push(`   valid:   ${cert.validFrom} .. ${cert.validTo}`);
      });
    }
  }
  return lines;
}

export interface Timeline {
  start: number;
  dns?: number;
  tcp?: number;
  tls?: number;
  firstByte?: number;
  end: number;
}

/** Each phase, as the time from the start (as curl's -w time_namelookup, time_connect, ...). */
export function timingLines(t: Timeline): string[] {
  const rows: Array<[string, number | undefined]> = [
    ["DNS lookup", t.dns],
    ["TCP connect", t.tcp],
    ["TLS handshake", t.tls],
    ["first byte", t.firstByte],
    ["total", t.end],
  ];
  return rows
    .filter((r): r is [string, number] => r[1] !== undefined && r[1] > 0)
    .map(([name, at]) => `${`${name}:`.padEnd(15)}${(at - t.start).toFixed(1).padStart(8)} ms`);
}

/** Header name/value pairs from a Headers, an array of pairs, or a plain record. */
export function headerPairs(h: unknown): Array<[string, string]> {
  if (h === null || h === undefined) return [];
  if (typeof Headers !== "undefined" && h instanceof Headers) return [...h.entries()];
  if (Array.isArray(h)) return h.map((p) => [String(p[0]), String(p[1])]);
  if (typeof h === "object") {
    const out: Array<[string, string]> = [];
    for (const [k, v] of Object.entries(h as Record<string, unknown>)) {
      for (const one of Array.isArray(v) ? v : [v]) out.push([k, String(one)]);
    }
    return out;
  }
  return [];
}
