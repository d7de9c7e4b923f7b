/* Host hook parts shared by WASM and native: formatting, assertion counting, rand32. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "host.h"

static uint32_t assert_count;

uint32_t lmw_host_rand32(void) {
  uint32_t v = 0;
  (void)lmw_host_random((uint8_t *)&v, sizeof v);
  return v;
}

void lmw_host_diag(const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n < 0) return;
  size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
  while (len > 0 && line[len - 1] == '\n') len--;
  lmw_host_log(LMW_LOG_LWIP, line, len);
}

void lmw_host_assert_failed(const char *msg, const char *file, int line) {
  char text[512];
  assert_count++;
  int n = snprintf(text, sizeof text, "lwIP assertion \"%s\" failed at %s:%d", msg, file, line);
  if (n > 0) lmw_host_log(LMW_LOG_ASSERT, text, (size_t)n < sizeof text ? (size_t)n : sizeof text - 1);
}

uint32_t lmw_host_assert_count(void) {
  return assert_count;
}
