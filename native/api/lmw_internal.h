/* What the C files behind lmw_api.h share with each other (never exported to the host).
 *
 * lmw_api.h is the one contract; its implementation is split by what the host sees:
 *   lmw_stack.c        life cycle, timers, heap and stats, debug switch, constants
 *   lmw_netif.c        the Ethernet netif on a virtual link (TS: link/netif.ts)
 *   lmw_dns.c          lwIP's DNS client, one lookup per user id
 *   lmw_tls_config.c   client/server TLS configurations, key log (TS: device/tls-config.ts)
 *   lmw_conn.c         TCP/TLS connection handles: connect, listen, read, write, close
 *                      (TS: device/socket.ts, device/listener.ts)
 *   lmw_conn_tls.c     a connection's TLS side: SNI, sessions, handshake status
 *   lmw_conn_info.c    lmw_conn_info's key=value text (TS: device/connection-info.ts)
 *   lmw_udp.c          UDP sockets (TS: device/udp.ts)
 * Elsewhere: the router (native/router), the C apps (native/apps), the Mbed TLS port and
 * self-test (native/mbedtls). The structs below are shared so that each file reads the
 * fields it needs; only the file named beside a field writes it. */
#ifndef LMW_INTERNAL_H
#define LMW_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "lwip/altcp.h"
#include "lwip/pbuf.h"
#include "mbedtls/pk.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "lmw_api.h"

struct netif;

/** The virtual link's MTU: Ethernet's, as on the Pico W's Wi-Fi (lmw_netif_add's default,
 *  the router's frames, the "MTU" constant). lmw_netif_set_link raises a netif's up to
 *  LMW_FAST_LINK_MTU (lwipopts.h) for the in-memory device-router link. */
#define LMW_LINK_MTU 1500

/* ---- TLS configuration (lmw_tls_config.c) ---- */

struct lmw_tls_config {
  struct altcp_tls_config *alt;
  int is_server;
  int keylog;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt own_cert;
  mbedtls_pk_context own_key;
  char *alpn_storage;
  const char **alpn_list;
  int *suites;
};

/** Per-connection set-up the configuration asks for (the key log callback). */
void lmw_tls_config_attach(lmw_tls_config *cfg, mbedtls_ssl_context *ssl);

/* ---- connections (lmw_conn.c; the TLS fields by lmw_conn_tls.c) ---- */

struct lmw_conn {
  struct lmw_conn *next_all; /* every live handle, to map an ssl context back */
  uint32_t user_id;
  struct altcp_pcb *pcb;
  lmw_tls_config *tls;
  struct pbuf *rx; /* received, not yet read */
  u16_t rx_off;    /* bytes of rx already read */
  uint8_t eof, failed, closing, aborting, listener;
  int err;
  int tls_err;
  uint32_t verify_flags;
  char *hostname; /* TLS: SNI and name check, given to Mbed TLS at connect */
  lmw_tls_session *offer; /* TLS: session to resume, given to Mbed TLS at connect (borrowed) */
  /* listener: accepted, not yet taken by lmw_conn_accept */
  struct lmw_conn *pending_head, *pending_tail, *next_pending;
  size_t pending_count;
};

/** Live lmw_conn handles (the "conns" stat). */
size_t lmw_conn_count(void);
/** The live TLS connection whose Mbed TLS context is `ssl`, or NULL. */
lmw_conn *lmw_conn_by_ssl(const mbedtls_ssl_context *ssl);
/** Before a TLS connect: the hostname (SNI, name check) and any offered session go to
 *  Mbed TLS. 0, or the Mbed TLS error (also kept as the connection's tls_err). */
int lmw_conn_tls_prepare(lmw_conn *c);

/* ---- netif (lmw_netif.c) ---- */

/** The lwIP netif inside an lmw_netif. */
struct netif *lmw_netif_lwip(lmw_netif *n);
/** The link id frames of this netif are sent with. */
uint32_t lmw_netif_link_id(lmw_netif *n);
/** Disables the router if `n` is its netif (the netif is going away). */
void lmw_router_disable_for(lmw_netif *n);

/* native/api/lmw_tls_failure.c: details of a failed TLS handshake, kept per handle. */
struct mbedtls_ssl_context;
/** Records the chain `ssl` verifies, for lmw_conn_tls_failure (a TLS client connection). */
void lmw_tls_failure_watch(const void *owner, struct mbedtls_ssl_context *ssl);
/** The handshake or a read failed: keeps the fatal alert the peer sent, if that was it. */
void lmw_tls_failure_note(const void *owner, struct mbedtls_ssl_context *ssl);
/** Frees what was kept (the handle is being freed). */
void lmw_tls_failure_forget(const void *owner);

#endif
