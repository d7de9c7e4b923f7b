/* lmw_api.h, a connection's TLS side: the server name (SNI and the certificate name
 * check), session resumption, and the handshake status lwIP's TLS layer reports
 * (native/tls/altcp_tls_36.c calls lmw_tls_on_status). */
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"

#include "host.h"
#include "https_client.h" /* the book's HTTPS client: lmw_app_https_tls_status */
#include "lmw_internal.h"
#include "lmw_tls_hooks.h"

void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret) {
  lmw_app_https_tls_status(ssl, status, ret); /* C apps' own connections (native/apps) */
  lmw_conn *c = lmw_conn_by_ssl(ssl);
  if (c == NULL) return;
  switch (status) {
    case LMW_TLS_STATUS_HANDSHAKE_FAILED:
      lmw_tls_failure_note(c, ssl);
      c->tls_err = ret;
      c->verify_flags = mbedtls_ssl_get_verify_result(ssl);
      if (c->verify_flags == (uint32_t)-1) c->verify_flags = 0;
      break; /* lwIP calls our err callback next */
    case LMW_TLS_STATUS_READ_FAILED:
      lmw_tls_failure_note(c, ssl);
      /* lwIP drops this silently and would leave the connection hanging. */
      if (!c->failed) {
        c->tls_err = ret;
        c->err = ERR_CONN;
        c->failed = 1;
        lmw_host_event(c->user_id, LMW_EV_ERROR, ERR_CONN);
      }
      break;
    case LMW_TLS_STATUS_TCP_CONNECTED:
      lmw_host_event(c->user_id, LMW_EV_TCP_UP, 0);
      break;
    case LMW_TLS_STATUS_CLOSE_NOTIFY:
      if (!c->eof) {
        c->eof = 1;
        lmw_host_event(c->user_id, LMW_EV_EOF, 0);
      }
      break;
  }
}

int lmw_conn_set_hostname(lmw_conn *c, const char *hostname) {
  if (c->tls == NULL) return ERR_ARG;
  char *copy = strdup(hostname);
  if (copy == NULL) return ERR_MEM;
  free(c->hostname);
  c->hostname = copy;
  return ERR_OK;
}

struct lmw_tls_session {
  mbedtls_ssl_session session;
};

int lmw_conn_set_session(lmw_conn *c, lmw_tls_session *s) {
  if (c->tls == NULL || c->pcb != NULL) return ERR_ARG;
  c->offer = s;
  return ERR_OK;
}

int lmw_conn_get_session(lmw_conn *c, lmw_tls_session **out) {
  *out = NULL;
  if (c->tls == NULL || c->pcb == NULL || !lmw_altcp_tls_handshake_done(c->pcb)) return ERR_CONN;
  lmw_tls_session *s = (lmw_tls_session *)calloc(1, sizeof *s);
  if (s == NULL) return ERR_MEM;
  mbedtls_ssl_session_init(&s->session);
  if (mbedtls_ssl_get_session((mbedtls_ssl_context *)altcp_tls_context(c->pcb), &s->session) != 0) {
    lmw_tls_session_free(s);
    return ERR_VAL;
  }
  *out = s;
  return ERR_OK;
}

void lmw_tls_session_free(lmw_tls_session *s) {
  if (s == NULL) return;
  mbedtls_ssl_session_free(&s->session);
  free(s);
}

int lmw_conn_tls_prepare(lmw_conn *c) {
  mbedtls_ssl_context *ssl = (mbedtls_ssl_context *)altcp_tls_context(c->pcb);
  /* Without a name Mbed TLS 3.6 refuses to verify (fails closed): SNI and the name
     check both come from here. */
  int ret = c->hostname ? mbedtls_ssl_set_hostname(ssl, c->hostname) : 0;
  lmw_tls_failure_watch(c, ssl);
  if (ret == 0 && c->offer) ret = mbedtls_ssl_set_session(ssl, &c->offer->session);
  c->offer = NULL;
  if (ret != 0) c->tls_err = ret;
  return ret;
}

int lmw_conn_tls_error(lmw_conn *c) {
  return c->tls_err;
}

uint32_t lmw_conn_verify_flags(lmw_conn *c) {
  return c->verify_flags;
}
