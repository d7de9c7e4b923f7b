/* pico/cyw43_arch.h: the Pico SDK's glue between the Wi-Fi chip, lwIP and async_context.
 * Which variant a program gets follows the library it links: pico_cyw43_arch_lwip_poll
 * (PICO_CYW43_ARCH_POLL: work runs in cyw43_arch_poll), _lwip_threadsafe_background
 * (PICO_CYW43_ARCH_THREADSAFE_BACKGROUND: work also runs while main waits), _none (no lwIP). */
#ifndef _PICO_CYW43_ARCH_H
#define _PICO_CYW43_ARCH_H

#include "pico.h"
#include "pico/async_context.h"
#include "cyw43.h"
#include "cyw43_country.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE
#define PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE CYW43_COUNTRY_WORLDWIDE
#endif

int cyw43_arch_init(void);
int cyw43_arch_init_with_country(uint32_t country);
void cyw43_arch_deinit(void);
async_context_t *cyw43_arch_async_context(void);
void cyw43_arch_set_async_context(async_context_t *context);
async_context_t *cyw43_arch_init_default_async_context(void);
uint32_t cyw43_arch_get_country_code(void);

void cyw43_arch_enable_sta_mode(void);
void cyw43_arch_disable_sta_mode(void);
/* The access point role is not simulated: declared, not provided (link error names it). */
void cyw43_arch_enable_ap_mode(const char *ssid, const char *password, uint32_t auth);
void cyw43_arch_disable_ap_mode(void);

int cyw43_arch_wifi_connect_blocking(const char *ssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_bssid_blocking(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_timeout_ms(const char *ssid, const char *pw, uint32_t auth, uint32_t timeout);
int cyw43_arch_wifi_connect_bssid_timeout_ms(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth,
                                             uint32_t timeout);
int cyw43_arch_wifi_connect_async(const char *ssid, const char *pw, uint32_t auth);
int cyw43_arch_wifi_connect_bssid_async(const char *ssid, const uint8_t *bssid, const char *pw, uint32_t auth);

void cyw43_arch_gpio_put(uint wl_gpio, bool value);
bool cyw43_arch_gpio_get(uint wl_gpio);

void cyw43_arch_poll(void);
void cyw43_arch_wait_for_work_until(absolute_time_t until);

static inline void cyw43_arch_lwip_begin(void) { async_context_acquire_lock_blocking(cyw43_arch_async_context()); }
static inline void cyw43_arch_lwip_end(void) { async_context_release_lock(cyw43_arch_async_context()); }
static inline void cyw43_arch_lwip_check(void) { async_context_lock_check(cyw43_arch_async_context()); }

#ifdef __cplusplus
}
#endif

#endif
