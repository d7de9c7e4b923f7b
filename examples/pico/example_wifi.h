/* The opening the example servers and senders share: stdio, the Wi-Fi chip, station mode,
 * the join (WIFI_SSID / WIFI_PASSWORD, WPA2). Returns 0, or prints why and returns the
 * SDK's error. (The TCP and HTTPS clients spell it out, as the book does.) */
#ifndef EXAMPLE_WIFI_H
#define EXAMPLE_WIFI_H

#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"

static inline int example_join_wifi(void) {
  stdio_init_all();
  if (cyw43_arch_init()) {
    printf("failed to initialise\n");
    return PICO_ERROR_GENERIC;
  }
  cyw43_arch_enable_sta_mode();
  int err = cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 30000);
  if (err) printf("failed to connect: %d\n", err);
  return err;
}

#endif
