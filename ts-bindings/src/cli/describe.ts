// Human-readable lines for lwip-https -v and examples/main.ts: a connection, a failed TLS
// handshake, a head, a timeline. Plain text without the "* " / "< " prefixes; callers add
// their own.
import type { SocketInfo } from "../device/socket-types.js";
import type { TlsFailure } from "../device/tls-failure.js";
import type { ResponseHead } from "../http/parser.js";
import type { Timeline } from "../http/timeline.js";

/** What each X.509 flag means, for the "failed:" line of -v. */
const CHECKS: Record<string, string> = {
  EXPIRED: "expired",
  FUTURE: "not yet valid",
  CN_MISMATCH: "name: does not match the host",
  NOT_TRUSTED: "issuer: not signed by a trusted CA",
  REVOKED: "revoked",
  MISSING: "missing",
  SKIP_VERIFY: "not verified",
  BAD_MD: "signature hash refused",
  BAD_PK: "public-key algorithm refused",
  BAD_KEY: "key too weak",
  KEY_USAGE: "key usage does not allow this",
  EXT_KEY_USAGE: "extended key usage does not allow this",
  NS_CERT_TYPE: "certificate type does not allow this",
  OTHER: "other",
};

function isFake(address: string): boolean {
  return address.startsWith("198.18.") || address.startsWith("198.19.");
}

export function connectionLines(host: string, info: SocketInfo): string[] {
  const lines: string[] = [];
  const address = info.remoteAddress.slice(0, info.remoteAddress.lastIndexOf(":"));
  if (address && address !== host) {
    lines.push(`Resolved ${host} to ${address}${isFake(address) ? " (the router's stand-in address; the dialer resolves the real one)" : ""}`);
  }
  lines.push(`Connected to ${host} (${info.remoteAddress || "?"}) from ${info.localAddress || "?"}`);
  const tls = info.tls;
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

/** What a failed handshake left: the alert, and the chain with the check each certificate failed. */
export function failureLines(f: TlsFailure): string[] {
  const lines: string[] = [];
  if (f.alert) lines.push(`TLS alert received: ${f.alert.name} (${f.alert.code}): ${f.alert.meaning}`);
  if (f.certificates.length === 0) return lines;
  lines.push("Server certificate chain (as received):");
  let i = 0;
  for (const cert of f.certificates) {
    lines.push(cert.from === "peer" ? ` ${i++} subject: ${cert.subject}` : ` trust anchor (our CA set): ${cert.subject}`);
    lines.push(`   issuer:  ${cert.issuer}`);
    lines.push(`   valid:   ${cert.validFrom} .. ${cert.validTo}`);
    if (cert.failed === undefined) lines.push("   check:   not on the verified path");
    else lines.push(`   check:   ${cert.failed.length === 0 ? "ok" : `FAILED: ${cert.failed.map((n) => CHECKS[n] ?? n).join(", ")}`}`);
  }
  return lines;
}

/** A head as the server sent it: status line and fields in its case and order. */
export function headLines(h: ResponseHead): string[] {
  return [`HTTP/${h.versionMajor}.${h.versionMinor} ${h.status}${h.reason ? ` ${h.reason}` : ""}`, ...h.headers.map(([n, v]) => `${n}: ${v}`)];
}

/** Each phase, as the time from the start (curl's -w time_namelookup, time_connect, ...). */
export function timingLines(t: Timeline): string[] {
  const rows: Array<[string, number | undefined]> = [
    ["DNS lookup", t.namelookup],
    ["TCP connect", t.connect],
    ["TLS handshake", t.appconnect],
    ["first byte", t.starttransfer],
    ["total", t.total],
  ];
  return rows
    .filter((r): r is [string, number] => r[1] !== undefined)
    .map(([name, at]) => `${`${name}:`.padEnd(15)}${at.toFixed(1).padStart(8)} ms`);
}
