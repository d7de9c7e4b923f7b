/* The router's NAT hooks inside lmw_netif (native/router/router.c). */
#ifndef LMW_ROUTER_H
#define LMW_ROUTER_H

#include <stddef.h>
#include <stdint.h>

#include "lmw_api.h"

/** Every TCP flow the device opens arrives at this port of the router's own address. */
#define LMW_ROUTER_TCP_PORT 1

/** A frame from the device: returns 1 if the router consumed it, 0 to pass it to lwIP
 *  (possibly rewritten in place). */
int lmw_router_input(lmw_netif *n, uint8_t *frame, size_t len);
/** A frame lwIP sends to the device: rewritten in place. */
void lmw_router_output(lmw_netif *n, uint8_t *frame, size_t len);

#endif
