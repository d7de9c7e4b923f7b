/* lmw_api.h, lmw_conn_info: a connection's addresses, TLS version, suite, ALPN and the
 * peer's certificate chain as "key=value\n" text (TS: ts-bindings/src/device/
 * connection-info.ts parses it). */
#include <stdio.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"

#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "lmw_internal.h"
#include "lmw_text.h"
#include "lmw_tls_hooks.h"

int lmw_conn_info(lmw_conn *c, char *buf, size_t cap, size_t *len) {
  struct lmw_text t = {buf, cap, 0};
  char value[1024];
  if (cap > 0) buf[0] = '\0';
  if (c->pcb != NULL && !c->listener) {
    ip_addr_t local, remote;
    u16_t lport, rport;
    if (altcp_get_tcp_addrinfo(c->pcb, 1, &local, &lport) == ERR_OK &&
        altcp_get_tcp_addrinfo(c->pcb, 0, &remote, &rport) == ERR_OK) {
      char ip[IPADDR_STRLEN_MAX];
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&local, ip, sizeof ip), lport);
      lmw_text_add(&t, "local", value);
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&remote, ip, sizeof ip), rport);
      lmw_text_add(&t, "remote", value);
    }
  }
  mbedtls_ssl_context *ssl = (c->pcb && c->tls) ? (mbedtls_ssl_context *)altcp_tls_context(c->pcb) : NULL;
  if (ssl != NULL && lmw_altcp_tls_handshake_done(c->pcb)) {
    lmw_text_add(&t, "tls_version", mbedtls_ssl_get_version(ssl));
    lmw_text_add(&t, "tls_suite", mbedtls_ssl_get_ciphersuite(ssl));
    const char *alpn = mbedtls_ssl_get_alpn_protocol(ssl);
    if (alpn) lmw_text_add(&t, "alpn", alpn);
    for (const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(ssl); crt != NULL && crt->raw.len > 0;
         crt = crt->next) {
      lmw_text_cert(&t, crt);
    }
  }
  *len = t.len;
  return t.len < cap ? ERR_OK : ERR_BUF;
}
