// What lmw_conn_info reports about a connection (addresses, TLS version, suite, ALPN,
// the peer's chain), parsed into a SocketInfo.
import type { PeerCertificate, SocketInfo, TlsInfo } from "./socket-types.js";

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Parses lmw_conn_info's "key=value" lines. */
export function parseConnInfo(text: string): SocketInfo {
  const info: SocketInfo = { localAddress: "", remoteAddress: "" };
  let tls: TlsInfo | undefined;
  let cert: Partial<PeerCertificate> | undefined;
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq < 0) continue;
    const key = line.slice(0, eq);
    const value = line.slice(eq + 1);
    switch (key) {
      case "local": info.localAddress = value; break;
      case "remote": info.remoteAddress = value; break;
      case "tls_version": tls = { version: value, cipherSuite: "", alpnProtocol: null, peerCertificates: [] }; break;
      case "tls_suite": if (tls) tls.cipherSuite = value; break;
      case "alpn": if (tls) tls.alpnProtocol = value; break;
      case "peer_subject": cert = { subject: value }; break;
      case "peer_issuer": if (cert) cert.issuer = value; break;
      case "peer_not_before": if (cert) cert.validFrom = value; break;
      case "peer_not_after": if (cert) cert.validTo = value; break;
      case "peer_der":
        if (cert && tls) {
          cert.raw = base64ToBytes(value);
          tls.peerCertificates.push(cert as PeerCertificate);
        }
        cert = undefined;
        break;
    }
  }
  if (tls) info.tls = tls;
  return info;
}
