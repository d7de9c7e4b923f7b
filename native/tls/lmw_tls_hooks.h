/* What native/tls/altcp_tls_36.c (lwIP's TLS layer, adapted) offers the rest of our C,
 * and the one hook it calls back. */
#ifndef LMW_TLS_HOOKS_H
#define LMW_TLS_HOOKS_H

#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"
#include "mbedtls/ssl.h"

enum {
  LMW_TLS_STATUS_HANDSHAKE_FAILED = 1, /* ret: the Mbed TLS error */
  LMW_TLS_STATUS_READ_FAILED = 2,      /* ret: the Mbed TLS error (lwIP ignores it) */
  LMW_TLS_STATUS_CLOSE_NOTIFY = 3,     /* the peer sent close_notify */
  LMW_TLS_STATUS_TCP_CONNECTED = 4,    /* the TCP connection under it is up */
  LMW_TLS_STATUS_SETUP = 5,            /* its mbedtls_ssl_context was just set up (client or
                                          accepted server connection), before any record */
};

/** Called from inside lwIP's TLS layer; defined by the exported API (native/api). */
void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret);

/** Gives a TLS pcb (e.g. one lwIP accepted) our function table: close_notify, capped writes. */
void lmw_altcp_tls_adopt(struct altcp_pcb *conn);
/** The Mbed TLS configuration inside lwIP's altcp_tls_config. */
mbedtls_ssl_config *lmw_altcp_tls_ssl_config(struct altcp_tls_config *config);
/** Non-zero once the TLS handshake of `conn` completed. */
int lmw_altcp_tls_handshake_done(struct altcp_pcb *conn);
/** The description of the fatal alert the peer just sent (RFC 8446 6.2: 70 is
 *  protocol_version), when the last Mbed TLS call failed with
 *  MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE; -1 otherwise. */
int lmw_altcp_tls_received_alert(const mbedtls_ssl_context *ssl);
/** lwIP's shared DRBG (seeded once a TLS config exists), as an Mbed TLS f_rng. */
int lmw_altcp_tls_random(void *unused, unsigned char *out, size_t len);

/** Where a connection's NSS key log lines (Wireshark's format) go: NUL-terminated, no newline, `len` bytes. */
typedef struct {
  void (*write)(const char *line, size_t len);
} lmw_tls_keylog_sink;
/** Exports every secret of `ssl`'s handshakes to `sink` (which must outlive it) as NSS key
 *  log lines. (native/tls/lmw_tls_keylog.c) */
void lmw_tls_keylog_attach(mbedtls_ssl_context *ssl, const lmw_tls_keylog_sink *sink);

#endif
