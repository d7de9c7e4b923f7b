/* lmw_api.h, lmw_conn_info: a connection's addresses, TLS version, suite, ALPN and the
 * peer's certificate chain as "key=value\n" text (TS: ts-bindings/src/device/
 * connection-info.ts parses it). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"

#include "mbedtls/base64.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "lmw_internal.h"
#include "lmw_tls_hooks.h"

struct text {
  char *buf;
  size_t cap, len;
};

static void text_add(struct text *t, const char *key, const char *value) {
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

int lmw_conn_info(lmw_conn *c, char *buf, size_t cap, size_t *len) {
  struct text t = {buf, cap, 0};
  char value[1024];
  if (cap > 0) buf[0] = '\0';
  if (c->pcb != NULL && !c->listener) {
    ip_addr_t local, remote;
    u16_t lport, rport;
    if (altcp_get_tcp_addrinfo(c->pcb, 1, &local, &lport) == ERR_OK &&
        altcp_get_tcp_addrinfo(c->pcb, 0, &remote, &rport) == ERR_OK) {
      char ip[IPADDR_STRLEN_MAX];
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&local, ip, sizeof ip), lport);
      text_add(&t, "local", value);
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&remote, ip, sizeof ip), rport);
      text_add(&t, "remote", value);
    }
  }
  mbedtls_ssl_context *ssl = (c->pcb && c->tls) ? (mbedtls_ssl_context *)altcp_tls_context(c->pcb) : NULL;
  if (ssl != NULL && lmw_altcp_tls_handshake_done(c->pcb)) {
    text_add(&t, "tls_version", mbedtls_ssl_get_version(ssl));
    text_add(&t, "tls_suite", mbedtls_ssl_get_ciphersuite(ssl));
    const char *alpn = mbedtls_ssl_get_alpn_protocol(ssl);
    if (alpn) text_add(&t, "alpn", alpn);
    for (const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(ssl); crt != NULL && crt->raw.len > 0;
         crt = crt->next) {
      if (mbedtls_x509_dn_gets(value, sizeof value, &crt->subject) < 0) value[0] = '\0';
      text_add(&t, "peer_subject", value);
      if (mbedtls_x509_dn_gets(value, sizeof value, &crt->issuer) < 0) value[0] = '\0';
      text_add(&t, "peer_issuer", value);
      x509_time_text(value, sizeof value, &crt->valid_from);
      text_add(&t, "peer_not_before", value);
      x509_time_text(value, sizeof value, &crt->valid_to);
      text_add(&t, "peer_not_after", value);
      size_t b64len = 0;
      (void)mbedtls_base64_encode(NULL, 0, &b64len, crt->raw.p, crt->raw.len);
      char *b64 = (char *)malloc(b64len + 1);
      if (b64 && mbedtls_base64_encode((unsigned char *)b64, b64len + 1, &b64len, crt->raw.p, crt->raw.len) == 0) {
        b64[b64len] = '\0';
        text_add(&t, "peer_der", b64);
      }
      free(b64);
    }
  }
  *len = t.len;
  return t.len < cap ? ERR_OK : ERR_BUF;
}
