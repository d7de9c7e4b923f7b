/* "key=value\n" text for the host (lmw_conn_info, lmw_conn_tls_failure; parsed by
 * ts-bindings/src/device/connection-info.ts). Shared by our C files, not exported. */
#ifndef LMW_TEXT_H
#define LMW_TEXT_H

#include <stddef.h>

#include "mbedtls/x509_crt.h"

/** Appends into buf[cap]; len counts what the whole text needs, even past cap. */
struct lmw_text {
  char *buf;
  size_t cap, len;
};

/** Appends "key=value\n" (and keeps buf NUL-terminated) if it fits; counts it either way. */
void lmw_text_add(struct lmw_text *t, const char *key, const char *value);
/** One certificate: peer_subject, peer_issuer, peer_not_before, peer_not_after, peer_der
 *  (base64 DER; its line ends the certificate). */
void lmw_text_cert(struct lmw_text *t, const mbedtls_x509_crt *crt);

#endif
