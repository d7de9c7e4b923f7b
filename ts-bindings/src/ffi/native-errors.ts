// Turns the C side's codes (lwIP err_t, Mbed TLS errors, X.509 verification flags) into
// LmwError with stable codes. The name tables are generated from the C headers.
import { LmwError, type ErrorCode, type LwipErrorCode } from "../errors.js";
import { LWIP_ERRORS, LwipErr, MBEDTLS_ERRORS, X509_BADCERT } from "./generated/errors.js";

export function lwipErrorName(err: number): string {
  return LWIP_ERRORS[err] ?? `ERR_${err}`;
}

/** The code of an lwIP err_t that has no code of its own (ERR_LWIP_MEM...). */
export function lwipErrorCode(err: number): LwipErrorCode | "ERR_INTERNAL" {
  const name = LWIP_ERRORS[err];
  return name ? (`ERR_LWIP_${name.replace(/^ERR_/, "")}` as LwipErrorCode) : "ERR_INTERNAL";
}

export function mbedtlsErrorName(code: number): string {
  if (MBEDTLS_ERRORS[code]) return MBEDTLS_ERRORS[code]!;
  // Mbed TLS combines a high-level and a low-level code (e.g. X509 | ASN1).
  const high = -(-code & 0xff80);
  const low = -(-code & 0x007f);
  const parts = [MBEDTLS_ERRORS[high], MBEDTLS_ERRORS[low]].filter(Boolean);
  return parts.length ? parts.join("+") : `MBEDTLS_ERR_-0x${(-code).toString(16)}`;
}

/** Verification flags in order of what a person most needs to hear first. */
const CERT_FLAG_CODES: [keyof typeof X509_BADCERT, ErrorCode, string][] = [
  ["EXPIRED", "ERR_TLS_CERT_EXPIRED", "the server's certificate has expired"],
  ["FUTURE", "ERR_TLS_CERT_NOT_YET_VALID", "the server's certificate is not yet valid"],
  ["CN_MISMATCH", "ERR_TLS_HOSTNAME_MISMATCH", "the server's certificate does not match the host name"],
  ["BAD_MD", "ERR_TLS_CERT_WEAK_SIGNATURE", "the certificate chain uses a refused signature hash (e.g. SHA-1)"],
  ["BAD_KEY", "ERR_TLS_CERT_WEAK_KEY", "the certificate chain uses a key that is too weak (e.g. RSA-1024)"],
  ["BAD_PK", "ERR_TLS_CERT_WEAK_KEY", "the certificate chain uses a refused public-key algorithm"],
  ["KEY_USAGE", "ERR_TLS_CERT_BAD_USAGE", "a certificate's key usage does not allow this use"],
  ["EXT_KEY_USAGE", "ERR_TLS_CERT_BAD_USAGE", "a certificate's extended key usage does not allow this use"],
  ["NOT_TRUSTED", "ERR_TLS_CERT_UNTRUSTED", "the server's certificate is not signed by a trusted CA"],
  ["MISSING", "ERR_TLS_CERT_MISSING", "the server sent no certificate"],
];

export function certFlagNames(flags: number): string[] {
  return Object.entries(X509_BADCERT)
    .filter(([, bit]) => (flags & bit) !== 0)
    .map(([name]) => name);
}

/** The error for a failed TLS handshake, from the Mbed TLS code and verification flags. */
export function tlsHandshakeError(tlsErr: number, verifyFlags: number, host?: string, alert?: { code: number; name: string; meaning: string }): LmwError {
  const where = host ? ` (${host})` : "";
  if (verifyFlags !== 0) {
    for (const [flag, code, text] of CERT_FLAG_CODES) {
      if (verifyFlags & X509_BADCERT[flag]) {
        return new LmwError(code, `${text}${where}; verification flags: ${certFlagNames(verifyFlags).join(", ")}`, {
          layer: "x509",
          nativeCode: verifyFlags,
        });
      }
    }
    return new LmwError("ERR_TLS_CERT_INVALID", `certificate verification failed${where}: ${certFlagNames(verifyFlags).join(", ")}`, {
      layer: "x509",
      nativeCode: verifyFlags,
    });
  }
  const name = mbedtlsErrorName(tlsErr);
  const why = alert ? `the server sent the fatal alert ${alert.name} (${alert.code}): ${alert.meaning}` : `${name} (-0x${(-tlsErr).toString(16)})`;
  return new LmwError("ERR_TLS_HANDSHAKE_FAILED", `TLS handshake failed${where}: ${why}`, {
    layer: "mbedtls",
    nativeCode: tlsErr,
  });
}

/** The error for a connection that ended with lwIP err_t `err`. */
export function connectionError(err: number, phase: "connect" | "open"): LmwError {
  const name = lwipErrorName(err);
  if (err === LwipErr.ERR_RST) {
    return phase === "connect"
      ? new LmwError("ERR_CONNECTION_REFUSED", "connection refused", { layer: "lwip", nativeCode: err })
      : new LmwError("ERR_CONNECTION_RESET", "connection reset by peer", { layer: "lwip", nativeCode: err });
  }
  if (err === LwipErr.ERR_ABRT) {
    return new LmwError(phase === "connect" ? "ERR_TIMEOUT_CONNECT" : "ERR_CONNECTION_ABORTED",
      phase === "connect" ? "connection attempt gave up (no answer)" : "connection aborted", { layer: "lwip", nativeCode: err });
  }
  if (err === LwipErr.ERR_CLSD) {
    return new LmwError("ERR_CONNECTION_CLOSED", "connection closed", { layer: "lwip", nativeCode: err });
  }
  return new LmwError(lwipErrorCode(err), `lwIP error ${name} (${err})`, { layer: "lwip", nativeCode: err });
}
