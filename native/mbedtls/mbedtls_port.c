/* Mbed TLS platform glue: entropy, time and debug output through the host hooks
 * (native/host/host.h). */
#include <stdio.h>
#include <string.h>

#include "mbedtls/build_info.h"
#include "mbedtls/entropy.h"
#include "mbedtls/platform_time.h"

#include "host.h"

/* MBEDTLS_ENTROPY_HARDWARE_ALT: fill exactly `len` bytes (never more: the Pico SDK's
 * version once overran the buffer) and report the length filled. */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen) {
  (void)data;
  if (lmw_host_random(output, len) != 0) {
    *olen = 0;
    return MBEDTLS_ERR_ENTROPY_SOURCE_FAILED;
  }
  *olen = len;
  return 0;
}

/* MBEDTLS_PLATFORM_MS_TIME_ALT: TLS 1.3 ticket ages. Mbed TLS only takes differences,
 * so the host's monotonic clock (widened from 32 bits across wraps) serves. */
mbedtls_ms_time_t mbedtls_ms_time(void) {
  static uint32_t last;
  static uint64_t high;
  uint32_t now = lmw_host_now_ms();
  if (now < last) high += (uint64_t)1 << 32;
  last = now;
  return (mbedtls_ms_time_t)(high + now);
}

/* Installed by lmw_init() with mbedtls_platform_set_time(): wall clock for validity. */
mbedtls_time_t lmw_mbedtls_time(mbedtls_time_t *timer) {
  mbedtls_time_t t = (mbedtls_time_t)lmw_host_wall_time();
  if (timer) *timer = t;
  return t;
}

/* Every TLS config's debug callback (native/tls/altcp_tls_36.c routes lwIP's there too):
 * one line per message to the host log, without the trailing newline. */
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str) {
  (void)ctx;
  char text[600];
  const char *base = strrchr(file, '/');
  int n = snprintf(text, sizeof text, "%d %s:%d: %s", level, base ? base + 1 : file, line, str);
  if (n <= 0) return;
  size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  while (len > 0 && text[len - 1] == '\n') len--;
  lmw_host_log(LMW_LOG_MBEDTLS, text, len);
}
