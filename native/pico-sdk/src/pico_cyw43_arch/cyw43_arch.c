/* cyw43_arch: initialisation, joining, polling and the LED, over the simulated chip
 * (cyw43_driver.c) and, in the lwIP variants, its netif (cyw43_lwip.c). The variant comes
 * from the library the program links (PICO_CYW43_ARCH_POLL or _THREADSAFE_BACKGROUND). */
#include "pico/cyw43_arch.h"
#include <string.h>

#include "pico_host.h"

#if PICO_CYW43_ARCH_THREADSAFE_BACKGROUND
static async_context_threadsafe_background_t default_context;
#else
static async_context_poll_t default_context;
#endif
static async_context_t *context;
static uint32_t country_code = PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE;

#if CYW43_LWIP
void cyw43_lwip_start(async_context_t *context);
void cyw43_lwip_stop(void);
#endif

async_context_t *cyw43_arch_init_default_async_context(void) {
#if PICO_CYW43_ARCH_THREADSAFE_BACKGROUND
  if (async_context_threadsafe_background_init_with_defaults(&default_context)) return &default_context.core;
#else
  if (async_context_poll_init_with_defaults(&default_context)) return &default_context.core;
#endif
  return NULL;
}

void cyw43_arch_set_async_context(async_context_t *c) { context = c; }

async_context_t *cyw43_arch_async_context(void) {
  if (!context) panic("cyw43_arch: call cyw43_arch_init() first");
  return context;
}

int cyw43_arch_init_with_country(uint32_t country) {
  if (cyw43_state.initted) return 0;
  country_code = country;
  if (!context) context = cyw43_arch_init_default_async_context();
  if (!context) return PICO_ERROR_GENERIC;
  cyw43_init(&cyw43_state);
#if CYW43_LWIP
  cyw43_lwip_start(context);
#endif
  return 0;
}

int cyw43_arch_init(void) {
  return cyw43_arch_init_with_country(PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE);
}

void cyw43_arch_deinit(void) {
  if (!cyw43_state.initted) return;
  cyw43_deinit(&cyw43_state);
#if CYW43_LWIP
  cyw43_lwip_stop();
#endif
  if (context == &default_context.core) {
    async_context_deinit(context);
    context = NULL;
  }
}

uint32_t cyw43_arch_get_country_code(void) { return country_code; }

void cyw43_arch_enable_sta_mode(void) {
  cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_STA, true, country_code);
}

void cyw43_arch_disable_sta_mode(void) {
  cyw43_wifi_set_up(&cyw43_state, CYW43_ITF_STA, false, country_code);
}

int cyw43_arch_wifi_connect_bssid_async(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth) {
  if (!cyw43_state.initted) return PICO_ERROR_GENERIC;
  size_t pw_len = pw ? strlen(pw) : 0;
  if (!pw) auth = CYW43_AUTH_OPEN;
  int err = cyw43_wifi_join(&cyw43_state, strlen(ssid), (const uint8_t *)ssid, pw_len, (const uint8_t *)pw, auth,
                            bssid, 0);
  return err == 0 ? 0 : PICO_ERROR_GENERIC;
}

int cyw43_arch_wifi_connect_async(const char *ssid, const char *pw, uint32_t auth) {
  return cyw43_arch_wifi_connect_bssid_async(ssid, NULL, pw, auth);
}

static int link_status(void) {
#if CYW43_LWIP
  return cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA);
#else
  int s = cyw43_wifi_link_status(&cyw43_state, CYW43_ITF_STA);
  return s == CYW43_LINK_JOIN ? CYW43_LINK_UP : s;
#endif
}

static int connect_until(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth, absolute_time_t until) {
  int err = cyw43_arch_wifi_connect_bssid_async(ssid, bssid, pw, auth);
  if (err) return err;
  for (;;) {
    int status = link_status();
    if (status == CYW43_LINK_UP) return PICO_OK;
    if (status == CYW43_LINK_BADAUTH) return PICO_ERROR_BADAUTH;
    if (status < 0) return PICO_ERROR_CONNECT_FAILED;
    if (time_reached(until)) return PICO_ERROR_TIMEOUT;
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(until);
  }
}

int cyw43_arch_wifi_connect_blocking(const char *ssid, const char *pw, uint32_t auth) {
  return connect_until(ssid, NULL, pw, auth, at_the_end_of_time);
}

int cyw43_arch_wifi_connect_bssid_blocking(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth) {
  return connect_until(ssid, bssid, pw, auth, at_the_end_of_time);
}

int cyw43_arch_wifi_connect_timeout_ms(const char *ssid, const char *pw, uint32_t auth, uint32_t timeout) {
  return connect_until(ssid, NULL, pw, auth, make_timeout_time_ms(timeout));
}

int cyw43_arch_wifi_connect_bssid_timeout_ms(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth,
                                             uint32_t timeout) {
  return connect_until(ssid, bssid, pw, auth, make_timeout_time_ms(timeout));
}

void cyw43_arch_gpio_put(uint wl_gpio, bool value) {
  if (cyw43_gpio_set(&cyw43_state, (int)wl_gpio, value) != 0) panic("cyw43_arch_gpio_put: no Wi-Fi GPIO %u", wl_gpio);
}

bool cyw43_arch_gpio_get(uint wl_gpio) {
  bool value = false;
  if (cyw43_gpio_get(&cyw43_state, (int)wl_gpio, &value) != 0) panic("cyw43_arch_gpio_get: no Wi-Fi GPIO %u", wl_gpio);
  return value;
}

void cyw43_arch_poll(void) {
  async_context_poll(cyw43_arch_async_context());
}

void cyw43_arch_wait_for_work_until(absolute_time_t until) {
  async_context_wait_for_work_until(cyw43_arch_async_context(), until);
}
