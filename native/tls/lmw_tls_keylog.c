/* The NSS key log format (what Wireshark and SSLKEYLOGFILE use), from Mbed TLS's key
 * export callback, written to a sink: one line per secret, "LABEL <client_random hex> <secret hex>". Shared
 * by the library's connections (native/api/lmw_tls_config.c) and Pico programs
 * (native/pico-sdk/src/pico_mbedtls/pico_altcp_tls_hooks.c). */
#include <stdio.h>

#include "lmw_tls_hooks.h"

static void hex(char *out, const unsigned char *in, size_t len) {
  static const char digits[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = digits[in[i] >> 4];
    out[2 * i + 1] = digits[in[i] & 15];
  }
  out[2 * len] = '\0';
}

static const char *label(mbedtls_ssl_key_export_type type) {
  switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET: return "CLIENT_RANDOM";
#if defined(MBEDTLS_SSL_PROTO_TLS1_3) /* (a program's own config may leave TLS 1.3 out) */
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_HANDSHAKE_TRAFFIC_SECRET: return "CLIENT_HANDSHAKE_TRAFFIC_SECRET";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_HANDSHAKE_TRAFFIC_SECRET: return "SERVER_HANDSHAKE_TRAFFIC_SECRET";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET: return "CLIENT_TRAFFIC_SECRET_0";
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET: return "SERVER_TRAFFIC_SECRET_0";
#endif
    default: return NULL;
  }
}

/* Mbed TLS's key export callback: one line per secret the format has a label for. */
static void export_keys(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                        const unsigned char client_random[32], const unsigned char server_random[32],
                        mbedtls_tls_prf_types prf) {
  (void)server_random;
  (void)prf;
  const lmw_tls_keylog_sink *sink = p;
  const char *l = label(type);
  if (l == NULL || secret_len > 64) return;
  char cr[65], sec[129], line[256];
  hex(cr, client_random, 32);
  hex(sec, secret, secret_len);
  int n = snprintf(line, sizeof line, "%s %s %s", l, cr, sec);
  if (n > 0 && (size_t)n < sizeof line) sink->write(line, (size_t)n);
}

void lmw_tls_keylog_attach(mbedtls_ssl_context *ssl, const lmw_tls_keylog_sink *sink) {
  mbedtls_ssl_set_export_keys_cb(ssl, export_keys, (void *)sink);
}
