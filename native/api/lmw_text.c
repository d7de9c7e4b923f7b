/* lmw_text.h: the "key=value\n" text the exported API hands the host. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mbedtls/base64.h"

#include "lmw_text.h"

void lmw_text_add(struct lmw_text *t, const char *key, const char *value) {
  size_t kl = strlen(key), vl = strlen(value);
  size_t need = kl + 1 + vl + 1;
  if (t->len + need < t->cap) {
    memcpy(t->buf + t->len, key, kl);
    t->buf[t->len + kl] = '=';
    memcpy(t->buf + t->len + kl + 1, value, vl);
    t->buf[t->len + kl + 1 + vl] = '\n';
    t->buf[t->len + need] = '\0';
  }
  t->len += need;
}

static void x509_time_text(char *out, size_t cap, const mbedtls_x509_time *tm) {
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm->year, tm->mon, tm->day, tm->hour, tm->min, tm->sec);
}

void lmw_text_cert(struct lmw_text *t, const mbedtls_x509_crt *crt) {
  char value[1024];
  if (mbedtls_x509_dn_gets(value, sizeof value, &crt->subject) < 0) value[0] = '\0';
  lmw_text_add(t, "peer_subject", value);
  if (mbedtls_x509_dn_gets(value, sizeof value, &crt->issuer) < 0) value[0] = '\0';
  lmw_text_add(t, "peer_issuer", value);
  x509_time_text(value, sizeof value, &crt->valid_from);
  lmw_text_add(t, "peer_not_before", value);
  x509_time_text(value, sizeof value, &crt->valid_to);
  lmw_text_add(t, "peer_not_after", value);
  size_t b64len = 0;
  (void)mbedtls_base64_encode(NULL, 0, &b64len, crt->raw.p, crt->raw.len);
  char *b64 = (char *)malloc(b64len + 1);
  if (b64 && mbedtls_base64_encode((unsigned char *)b64, b64len + 1, &b64len, crt->raw.p, crt->raw.len) == 0) {
    b64[b64len] = '\0';
    lmw_text_add(t, "peer_der", b64);
  }
  free(b64);
}
