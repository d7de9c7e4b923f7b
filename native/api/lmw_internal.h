/* Internal helpers shared between our C files (not exported to the host). */
#ifndef LMW_INTERNAL_H
#define LMW_INTERNAL_H

#include <stddef.h>

#include "lmw_api.h"

struct netif;

/** Live lmw_conn handles (the "conns" stat). */
size_t lmw_conn_count(void);
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
