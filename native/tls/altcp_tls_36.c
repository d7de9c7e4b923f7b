/* lwIP's own altcp_tls_mbedtls.c, compiled against Mbed TLS 3.6.
 *
 * lwIP 2.2.1's TLS layer targets Mbed TLS 2.x. Rather than copy and patch it (the Pico
 * SDK's way), this file includes it unchanged and adapts around it:
 *
 *  - compat/mbedtls/{certs,ssl_internal}.h stand in for two headers 3.x removed;
 *  - MBEDTLS_ALLOW_PRIVATE_ACCESS lets it read two fields that became private
 *    (ssl_context.out_left, session.start);
 *  - mbedtls_pk_parse_key gained an RNG in 3.x: a macro supplies lwIP's shared DRBG;
 *  - the inner TCP connect reports when TCP is up (lwIP only reports the handshake);
 *  - mbedtls_ssl_setup is wrapped to report each new context (LMW_TLS_STATUS_SETUP);
 *  - mbedtls_ssl_handshake / mbedtls_ssl_read are wrapped so the exported API learns the
 *    Mbed TLS code behind a failure (lwIP reports only ERR_CLSD, or nothing at all for
 *    a failed read);
 *  - the fatal alert a peer sent is read from the record Mbed TLS keeps (no public getter
 *    in 3.6), for the error message (lmw_altcp_tls_received_alert);
 *  - altcp_tls_free_config is wrapped to free the session-ticket context lwIP leaks;
 *  - altcp_tls_wrap is replaced so every TLS pcb gets our function table, which adds
 *    what lwIP's lacks: close_notify on a graceful close, and writes capped so that one
 *    altcp_write never becomes a partial mbedtls_ssl_write (lwIP asserts on that).
 *
 * Everything C apps call stays lwIP's altcp_tls.h API.
 */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

#include "lwip/opt.h"

#if LWIP_ALTCP && LWIP_ALTCP_TLS && LWIP_ALTCP_TLS_MBEDTLS

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"

#include "lmw_tls_hooks.h"
#include "altcp_tls_mbedtls_structs.h"

/* Wrapped calls: see lmw_tls_hooks.h. The real prototypes were declared above. */
static int lmw_ssl_handshake(mbedtls_ssl_context *ssl) {
  int ret = mbedtls_ssl_handshake(ssl);
  if (ret != 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
    lmw_tls_on_status(ssl, LMW_TLS_STATUS_HANDSHAKE_FAILED, ret);
  }
  return ret;
}

static int lmw_ssl_read(mbedtls_ssl_context *ssl, unsigned char *buf, size_t len) {
  int ret = MBEDTLS_ERR_SSL_WANT_READ;
  /* TLS 1.3 post-handshake messages (NewSessionTicket): when Mbed TLS meets one it
     switches state and returns WANT_READ although records are still buffered, then, on
     the next call, signals the ticket (kept in the session; mbedtls_ssl_get_session()
     exports the last one). lwIP stops reading on either until more TCP data arrives -
     and if the next thing to arrive is the FIN, it drops the response still buffered.
     So read on while a post-handshake message is being processed (bounded). */
  for (int i = 0; i < 64; i++) {
    ret = mbedtls_ssl_read(ssl, buf, len);
    if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) continue;
    /* (mbedtls_ssl_is_handshake_over() is true in the ticket state too: ask the state.) */
    if (ret == MBEDTLS_ERR_SSL_WANT_READ && ssl->state != MBEDTLS_SSL_HANDSHAKE_OVER) continue;
    break;
  }
  if (ret == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET) ret = MBEDTLS_ERR_SSL_WANT_READ;
  if (ret == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY) {
    lmw_tls_on_status(ssl, LMW_TLS_STATUS_CLOSE_NOTIFY, ret);
  } else if (ret < 0 && ret != MBEDTLS_ERR_SSL_WANT_READ && ret != MBEDTLS_ERR_SSL_WANT_WRITE) {
    lmw_tls_on_status(ssl, LMW_TLS_STATUS_READ_FAILED, ret);
  }
  return ret;
}

/* Every TLS connection's context, client or accepted, is set up here: the hook may attach
   per-connection callbacks (a Pico program's key log) before the first record. */
static int lmw_ssl_setup(mbedtls_ssl_context *ssl, const mbedtls_ssl_config *conf) {
  int ret = mbedtls_ssl_setup(ssl, conf);
  if (ret == 0) lmw_tls_on_status(ssl, LMW_TLS_STATUS_SETUP, 0);
  return ret;
}

/* lwIP registers a debug callback that prints through LWIP_DEBUGF (so Mbed TLS's lines
   would need lwIP's debug switched on too); ours goes straight to the host log. */
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str);
#define mbedtls_ssl_conf_dbg(conf, f, p) mbedtls_ssl_conf_dbg((conf), lmw_mbedtls_debug, NULL)
/* The TCP connection under a TLS one is up (before the handshake): lwIP tells no one, so
   its inner connect is given a callback that reports it and then calls lwIP's. */
static err_t altcp_mbedtls_lower_connected(void *arg, struct altcp_pcb *inner_conn, err_t err);
static err_t lmw_lower_connected(void *arg, struct altcp_pcb *inner_conn, err_t err) {
  struct altcp_pcb *conn = (struct altcp_pcb *)arg;
  if (err == ERR_OK && conn != NULL && conn->state != NULL) {
    lmw_tls_on_status(&((altcp_mbedtls_state_t *)conn->state)->ssl_context, LMW_TLS_STATUS_TCP_CONNECTED, 0);
  }
  return altcp_mbedtls_lower_connected(arg, inner_conn, err);
}
static err_t lmw_inner_connect(struct altcp_pcb *inner, const ip_addr_t *ip, u16_t port, altcp_connected_fn connected) {
  (void)connected; /* always altcp_mbedtls_lower_connected */
  return altcp_connect(inner, ip, port, lmw_lower_connected);
}

#define altcp_connect lmw_inner_connect
#define mbedtls_ssl_handshake lmw_ssl_handshake
#define mbedtls_ssl_read lmw_ssl_read
#define mbedtls_ssl_setup lmw_ssl_setup
#define mbedtls_pk_parse_key(ctx, key, keylen, pwd, pwdlen) \
  mbedtls_pk_parse_key((ctx), (key), (keylen), (pwd), (pwdlen), mbedtls_ctr_drbg_random, &altcp_tls_entropy_rng->ctr_drbg)
#define altcp_tls_wrap lmw_lwip_altcp_tls_wrap
#define altcp_tls_free_config lmw_lwip_altcp_tls_free_config
/* lwIP's file calls it before defining it; altcp_tls.h declared only the public name. */
void lmw_lwip_altcp_tls_free_config(struct altcp_tls_config *conf);

#include "altcp_tls_mbedtls.c"

#undef altcp_tls_wrap
#undef altcp_tls_free_config
#undef altcp_connect
#undef mbedtls_ssl_handshake
#undef mbedtls_ssl_read
#undef mbedtls_ssl_setup
#undef mbedtls_pk_parse_key
#undef mbedtls_ssl_conf_dbg

/* Our flag in lwIP's state->flags (lwIP uses 0x01-0x08). */
#define LMW_FLAGS_CLOSE_NOTIFY_SENT 0x80

static struct altcp_functions lmw_tls_functions;

static err_t lmw_tls_close(struct altcp_pcb *conn) {
  altcp_mbedtls_state_t *state = conn ? (altcp_mbedtls_state_t *)conn->state : NULL;
  if (state && conn->inner_conn && (state->flags & ALTCP_MBEDTLS_FLAGS_HANDSHAKE_DONE) &&
      !(state->flags & LMW_FLAGS_CLOSE_NOTIFY_SENT)) {
    state->flags |= LMW_FLAGS_CLOSE_NOTIFY_SENT;
    /* Best effort, as in every TLS stack: the alert is queued on the TCP connection and
       the FIN follows it. WANT_WRITE (no room) leaves it to the retransmission. */
    (void)mbedtls_ssl_close_notify(&state->ssl_context);
    altcp_output(conn->inner_conn);
  }
  return altcp_mbedtls_close(conn);
}

static err_t lmw_tls_write(struct altcp_pcb *conn, const void *dataptr, u16_t len, u8_t apiflags) {
  altcp_mbedtls_state_t *state = conn ? (altcp_mbedtls_state_t *)conn->state : NULL;
  if (state && (state->flags & ALTCP_MBEDTLS_FLAGS_HANDSHAKE_DONE)) {
    int max_record = mbedtls_ssl_get_max_out_record_payload(&state->ssl_context);
    /* All or nothing, like tcp_write: more than fits now is "would block". */
    if (len > altcp_mbedtls_sndbuf(conn) || (max_record > 0 && len > (u16_t)LWIP_MIN(max_record, 0xFFFF))) {
      return ERR_MEM;
    }
  }
  return altcp_mbedtls_write(conn, dataptr, len, apiflags);
}

void lmw_altcp_tls_adopt(struct altcp_pcb *conn) {
  if (lmw_tls_functions.close == NULL) {
    lmw_tls_functions = altcp_mbedtls_functions;
    lmw_tls_functions.close = lmw_tls_close;
    lmw_tls_functions.write = lmw_tls_write;
  }
  if (conn && conn->fns == &altcp_mbedtls_functions) {
    conn->fns = &lmw_tls_functions;
  }
}

/* The public altcp_tls_wrap (altcp_tls_new calls it): lwIP's, then our function table. */
struct altcp_pcb *altcp_tls_wrap(struct altcp_tls_config *config, struct altcp_pcb *inner_pcb);
struct altcp_pcb *altcp_tls_wrap(struct altcp_tls_config *config, struct altcp_pcb *inner_pcb) {
  struct altcp_pcb *conn = lmw_lwip_altcp_tls_wrap(config, inner_pcb);
  lmw_altcp_tls_adopt(conn);
  return conn;
}

/* lwIP sets up a session-ticket context in every config (ALTCP_MBEDTLS_USE_SESSION_TICKETS)
 * but its altcp_tls_free_config never frees it: ~480 bytes lost per config. */
void altcp_tls_free_config(struct altcp_tls_config *conf);
void altcp_tls_free_config(struct altcp_tls_config *conf) {
#if defined(MBEDTLS_SSL_SESSION_TICKETS) && ALTCP_MBEDTLS_USE_SESSION_TICKETS
  mbedtls_ssl_ticket_free(&conf->ticket_ctx);
#endif
  lmw_lwip_altcp_tls_free_config(conf);
}

mbedtls_ssl_config *lmw_altcp_tls_ssl_config(struct altcp_tls_config *config) {
  return config ? &config->conf : NULL;
}

int lmw_altcp_tls_handshake_done(struct altcp_pcb *conn) {
  altcp_mbedtls_state_t *state = conn ? (altcp_mbedtls_state_t *)conn->state : NULL;
  return state != NULL && (state->flags & ALTCP_MBEDTLS_FLAGS_HANDSHAKE_DONE) != 0;
}

int lmw_altcp_tls_random(void *unused, unsigned char *out, size_t len) {
  (void)unused;
  if (altcp_tls_entropy_rng == NULL) return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
  return mbedtls_ctr_drbg_random(&altcp_tls_entropy_rng->ctr_drbg, out, len);
}

int lmw_altcp_tls_received_alert(const mbedtls_ssl_context *ssl) {
  /* After MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE, in_msg still holds the alert record's
     plaintext (level, description), decrypted if it came encrypted (TLS 1.3). */
  if (ssl == NULL || ssl->in_msg == NULL || ssl->in_msgtype != MBEDTLS_SSL_MSG_ALERT || ssl->in_msglen < 2 ||
      ssl->in_msg[0] != MBEDTLS_SSL_ALERT_LEVEL_FATAL) {
    return -1;
  }
  return ssl->in_msg[1];
}

#endif
