// The TLS session: version, suite, ALPN, peer, and the certificate chain.
import type { TlsInfo } from "../../../ts-bindings/src/index.browser.js";
import { ui } from "../dom.js";

export function showTls(tls: TlsInfo | undefined, remote: string): void {
  ui.tlsPeer.textContent = remote || "—";
  if (!tls) {
    ui.tlsVersion.textContent = "— (not TLS)";
    return;
  }
  ui.tlsVersion.textContent = tls.version;
  ui.tlsSuite.textContent = tls.cipherSuite;
  ui.tlsAlpn.textContent = tls.alpnProtocol ?? "none";
  ui.chain.textContent = "";
  tls.peerCertificates.forEach((c, i) => {
    const li = document.createElement("li");
    const dl = document.createElement("dl");
    dl.className = "kv";
    const rows: [string, string][] = [
      [i === 0 ? "Subject (leaf)" : "Subject", c.subject],
      ["Issuer", c.issuer],
      ["Valid", `${c.validFrom} → ${c.validTo}`],
      ["Size", `${c.raw.length} bytes DER`],
    ];
    for (const [k, v] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = k;
      const dd = document.createElement("dd");
      dd.textContent = v;
      dl.append(dt, dd);
    }
    li.append(dl);
    ui.chain.append(li);
  });
}

