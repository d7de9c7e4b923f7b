/* The functions our TLS adapter (native/tls/altcp_tls_36.c) calls back. The library's
 * exported API uses them to report TLS status; a Pico program has no such listener, but
 * when the runner asks for a key log (lwip-pico run --keylog, PicoRunOptions.onKeyLog)
 * every TLS context the program sets up, client or server, exports its secrets to it.
 * Mbed TLS's debug lines go where lwIP's diagnostics go (the program's stdout). */
#include <stdio.h>

#include "lmw_tls_hooks.h"
#include "pico_host.h"

static void keylog_export(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                          const unsigned char client_random[32], const unsigned char server_random[32],
                          mbedtls_tls_prf_types prf) {
  (void)p;
  (void)server_random;
  (void)prf;
  char line[LMW_TLS_KEYLOG_LINE_MAX];
  if (lmw_tls_keylog_line(line, sizeof line, type, secret, secret_len, client_random) > 0) pico_host_keylog(line);
}

static int keylog_wanted(void) {
  static int wanted = -1;
  if (wanted < 0) {
    char v[4];
    wanted = pico_host_config(PICO_HOST_CFG_KEYLOG, v, sizeof v) > 0 && v[0] == '1';
  }
  return wanted;
}

void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret) {
  (void)ret;
  if (status == LMW_TLS_STATUS_SETUP && keylog_wanted()) mbedtls_ssl_set_export_keys_cb(ssl, keylog_export, NULL);
}

void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str);
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str) {
  (void)ctx;
  printf("%s:%04d: |%d| %s", file, line, level, str);
}
