// The TLS session: version, suite, ALPN, peer, and the certificate chain (also drawn for
// a handshake that failed on it, from the capture: see views/error.ts).
import type { TlsInfo } from "../../../ts-bindings/src/index.browser.js";
import { keyValues, el, ui } from "../dom.js";

export interface ChainEntry {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  size: number;
  altNames?: string[];
}

export function drawChain(ol: HTMLElement, chain: ChainEntry[]): void {
  ol.textContent = "";
  chain.forEach((c, i) => {
    const rows: [string, string][] = [
      [i === 0 ? "Subject (leaf)" : "Subject", c.subject],
      ["Issuer", c.issuer],
      ["Valid", `${c.validFrom} → ${c.validTo}`],
    ];
    if (c.altNames?.length) rows.push(["Names", c.altNames.join(", ")]);
    rows.push(["Size", `${c.size} bytes DER`]);
    const li = el("li");
    li.append(keyValues(rows));
    ol.append(li);
  });
}

export function clearTls(): void {
  for (const e of [ui.tlsVersion, ui.tlsSuite, ui.tlsAlpn, ui.tlsPeer]) e.textContent = "—";
  ui.chain.textContent = "";
}

export function showTls(tls: TlsInfo | undefined, remote: string): void {
  ui.tlsPeer.textContent = remote || "—";
  if (!tls) {
    ui.tlsVersion.textContent = "— (not TLS)";
    return;
  }
  ui.tlsVersion.textContent = tls.version;
  ui.tlsSuite.textContent = tls.cipherSuite;
  ui.tlsAlpn.textContent = tls.alpnProtocol ?? "none";
  drawChain(ui.chain, tls.peerCertificates.map((c) => ({ ...c, size: c.raw.length })));
}
