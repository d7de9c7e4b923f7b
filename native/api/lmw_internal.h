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

#endif
