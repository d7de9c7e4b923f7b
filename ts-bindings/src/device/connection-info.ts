// What lmw_conn_info reports about a connection (addresses, TLS version, suite, ALPN,
// the peer's chain), parsed into a SocketInfo.
import type { PeerCertificate, SocketInfo, TlsInfo } from "./socket-types.js";

function base64ToBytes(b64: string): Uint8Array {
  const bin = atob(b64);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** Collects the certificates of a "key=value" text: peer_subject starts one, peer_der
 *  ends it; `extra` keys (cert_from, cert_verify...) seen before peer_subject go with it. */
export class CertLines<T extends PeerCertificate = PeerCertificate> {
  readonly certs: T[] = [];
  #cert: Partial<T> = {};

  /** Takes one key; false if it is not a certificate line. */
  take(key: string, value: string): boolean {
    switch (key) {
      case "peer_subject": this.#cert.subject = value; return true;
      case "peer_issuer": this.#cert.issuer = value; return true;
      case "peer_not_before": this.#cert.validFrom = value; return true;
      case "peer_not_after": this.#cert.validTo = value; return true;
      case "peer_der":
        if (this.#cert.subject !== undefined) {
          this.#cert.raw = base64ToBytes(value);
          this.certs.push(this.#cert as T);
        }
        this.#cert = {};
        return true;
    }
    return false;
  }

  /** Sets a field of the certificate being read (for keys that come before its subject). */
  set<K extends keyof T>(field: K, value: T[K]): void {
    this.#cert[field] = value;
  }
}

/** Calls `line` for each "key=value" line of `text`. */
export function eachLine(text: string, line: (key: string, value: string) => void): void {
  for (const l of text.split("\n")) {
    const eq = l.indexOf("=");
    if (eq >= 0) line(l.slice(0, eq), l.slice(eq + 1));
  }
}

/** Parses lmw_conn_info's "key=value" lines. */
export function parseConnInfo(text: string): SocketInfo {
  const info: SocketInfo = { localAddress: "", remoteAddress: "" };
  let tls: TlsInfo | undefined;
  const certs = new CertLines();
  eachLine(text, (key, value) => {
    switch (key) {
      case "local": info.localAddress = value; break;
      case "remote": info.remoteAddress = value; break;
      case "tls_version": tls = { version: value, cipherSuite: "", alpnProtocol: null, peerCertificates: certs.certs }; break;
      case "tls_suite": if (tls) tls.cipherSuite = value; break;
      case "alpn": if (tls) tls.alpnProtocol = value; break;
      default: certs.take(key, value);
    }
  });
  if (tls) info.tls = tls;
  return info;
}
