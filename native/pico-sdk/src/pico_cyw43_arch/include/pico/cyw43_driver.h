/* pico/cyw43_driver.h: the SDK's glue to the Wi-Fi driver; on this host the simulated chip
 * is initialised by cyw43_arch_init. */
#ifndef _PICO_CYW43_DRIVER_H
#define _PICO_CYW43_DRIVER_H

#include "pico/async_context.h"
#include "cyw43.h"

bool cyw43_driver_init(async_context_t *context);
void cyw43_driver_deinit(async_context_t *context);

#endif
