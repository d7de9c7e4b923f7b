// What a failed TLS handshake leaves behind, for whoever has to explain it (lwip-https -v,
// error messages): the fatal alert the peer sent, by name and likely meaning, and the
// certificate chain it sent, each certificate with the checks it failed. Read from
// lmw_conn_tls_failure (native/api/lmw_tls_failure.c) when the handshake fails, and
// attached to the LmwError: tlsFailureOf(error).
import { certFlagNames } from "../ffi/native-errors.js";
import { CertLines, eachLine } from "./connection-info.js";
import type { PeerCertificate } from "./socket-types.js";

export interface TlsAlert {
  /** The alert description number (RFC 8446 6.2, RFC 5246 7.2). */
  code: number;
  /** Its name in the RFCs, e.g. "protocol_version". */
  name: string;
  /** What it most likely means for a client. */
  meaning: string;
}

export interface FailedCertificate extends PeerCertificate {
  /** "peer": the server sent it (leaf first); "ca": the anchor from our CA set it chained to. */
  from: "peer" | "ca";
  /** The X.509 checks this certificate failed (MBEDTLS_X509_BADCERT_* names: EXPIRED,
   *  CN_MISMATCH, NOT_TRUSTED...); empty if it passed; undefined if not on the verified path. */
  failed?: string[];
}

export interface TlsFailure {
  /** The fatal alert the peer sent, if the handshake ended with one. */
  alert?: TlsAlert;
  /** The chain as verified (empty when verification never ran, e.g. after an alert). */
  certificates: FailedCertificate[];
  /** "a.b.c.d:port" of the TCP connection under the handshake, if it came up. */
  localAddress?: string;
  remoteAddress?: string;
}

/** Alert names and what they likely mean, from the client's side. */
const ALERTS: Record<number, [string, string]> = {
  0: ["close_notify", "the server closed the connection"],
  10: ["unexpected_message", "the server did not expect a message we sent (a protocol bug on one side)"],
  20: ["bad_record_mac", "a record failed its integrity check (corruption, or a broken middlebox)"],
  22: ["record_overflow", "a record was longer than allowed"],
  40: ["handshake_failure", "the server found nothing acceptable in our offer: no common cipher suite, group or signature algorithm (or it wanted SNI)"],
  42: ["bad_certificate", "the server rejected our client certificate"],
  43: ["unsupported_certificate", "the server does not support our client certificate's type"],
  44: ["certificate_revoked", "our client certificate was revoked"],
  45: ["certificate_expired", "our client certificate has expired"],
  46: ["certificate_unknown", "the server could not accept our client certificate"],
  47: ["illegal_parameter", "a field in our handshake was out of range or inconsistent"],
  48: ["unknown_ca", "the server does not trust the CA of our client certificate"],
  49: ["access_denied", "the server refused access after the handshake checks"],
  50: ["decode_error", "the server could not parse a message we sent"],
  51: ["decrypt_error", "a signature or Finished check failed on the server's side"],
  70: ["protocol_version", "the server does not speak any TLS version we offered (check the minimum and maximum versions)"],
  71: ["insufficient_security", "the server wants stronger cipher suites than we offered"],
  80: ["internal_error", "the server failed for a reason of its own"],
  86: ["inappropriate_fallback", "the server saw a version downgrade it did not expect"],
  90: ["user_canceled", "the server's side canceled the handshake"],
  109: ["missing_extension", "we left out an extension the server requires"],
  110: ["unsupported_extension", "we sent an extension the server did not expect"],
  112: ["unrecognized_name", "the server does not serve the name we asked for (SNI)"],
  113: ["bad_certificate_status_response", "the server rejected our certificate status response"],
  115: ["unknown_psk_identity", "the server does not know our pre-shared key"],
  116: ["certificate_required", "the server requires a client certificate and we sent none"],
  120: ["no_application_protocol", "the server speaks none of the protocols we offered by ALPN"],
};

export function tlsAlert(code: number): TlsAlert {
  const [name, meaning] = ALERTS[code] ?? [`alert_${code}`, "an alert this client does not know"];
  return { code, name, meaning };
}

/** Parses lmw_conn_tls_failure's text. */
export function parseTlsFailure(text: string): TlsFailure {
  const failure: TlsFailure = { certificates: [] };
  const certs = new CertLines<FailedCertificate>();
  eachLine(text, (key, value) => {
    if (key === "alert") failure.alert = tlsAlert(Number(value));
    else if (key === "cert_from") certs.set("from", value === "ca" ? "ca" : "peer");
    else if (key === "cert_verify") certs.set("failed", certFlagNames(parseInt(value, 16)));
    else certs.take(key, value);
  });
  failure.certificates = certs.certs;
  return failure;
}

const failures = new WeakMap<object, TlsFailure>();

/** Attaches the details to the error the failure became. */
export function attachTlsFailure(error: object, failure: TlsFailure): void {
  failures.set(error, failure);
}

/** The details of a failed TLS handshake, for an error a TLS connection (or a fetch over
 *  one) rejected with; undefined for any other error. */
export function tlsFailureOf(error: unknown): TlsFailure | undefined {
  return typeof error === "object" && error !== null ? failures.get(error) : undefined;
}
