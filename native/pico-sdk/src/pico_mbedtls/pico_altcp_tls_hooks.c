/* The two functions our TLS adapter (native/tls/altcp_tls_36.c) calls back. The library's
 * exported API uses them to report TLS status; a Pico program has no such listener, and
 * Mbed TLS's debug lines go where lwIP's diagnostics go (the program's stdout). */
#include <stdio.h>

#include "lmw_tls_hooks.h"

void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret) {
  (void)ssl;
  (void)status;
  (void)ret;
}

void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str);
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str) {
  (void)ctx;
  printf("%s:%04d: |%d| %s", file, line, level, str);
}
