/* cyw43.h: the Wi-Fi chip's driver API, as documented, for a simulated chip. The radio is
 * replaced by one simulated access point (the runner's --ssid/--password); joining it
 * brings the Ethernet link up, and frames travel to the runner's virtual network.
 * Written from the driver's documented API; no driver code is used. */
#ifndef CYW43_INCLUDED_CYW43_H
#define CYW43_INCLUDED_CYW43_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h> /* as the driver's headers: programs use memcpy/strlen after including it */

#include "cyw43_config.h"
#include "cyw43_country.h"
#if CYW43_LWIP
#include "lwip/netif.h"
#include "lwip/dhcp.h"
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define CYW43_ITF_STA 0
#define CYW43_ITF_AP 1

#define CYW43_LINK_DOWN 0
#define CYW43_LINK_JOIN 1
#define CYW43_LINK_NOIP 2
#define CYW43_LINK_UP 3
#define CYW43_LINK_FAIL (-1)
#define CYW43_LINK_NONET (-2)
#define CYW43_LINK_BADAUTH (-3)

#define CYW43_AUTH_OPEN 0
#define CYW43_AUTH_WPA_TKIP_PSK 0x00200002
#define CYW43_AUTH_WPA2_AES_PSK 0x00400004
#define CYW43_AUTH_WPA2_MIXED_PSK 0x00400006
#define CYW43_AUTH_WPA3_SAE_AES_PSK 0x01000004
#define CYW43_AUTH_WPA3_WPA2_AES_PSK 0x01400004

#define CYW43_NO_POWERSAVE_MODE 0
#define CYW43_PM1_POWERSAVE_MODE 1
#define CYW43_PM2_POWERSAVE_MODE 2
#define CYW43_DEFAULT_PM 0xa11142
#define CYW43_AGGRESSIVE_PM 0xa11c82
#define CYW43_PERFORMANCE_PM 0x111022
#define cyw43_pm_value(pm_mode, pm2_sleep_ret_ms, li_beacon_period, li_dtim_period, li_assoc) \
  ((uint32_t)(((li_assoc) << 20) | ((li_dtim_period) << 16) | ((li_beacon_period) << 12) |     \
              (((pm2_sleep_ret_ms) / 10) << 4) | (pm_mode)))

#define CYW43_WL_GPIO_COUNT 3
#ifndef CYW43_WL_GPIO_LED_PIN
#define CYW43_WL_GPIO_LED_PIN 0
#endif
#define CYW43_WL_GPIO_SMPS_PIN 1
#define CYW43_WL_GPIO_VBUS_PIN 2

typedef struct _cyw43_ev_scan_result_t {
  uint32_t _0[5];
  uint8_t bssid[6];
  uint16_t _1[2];
  uint8_t ssid_len;
  uint8_t ssid[32];
  uint32_t _2[5];
  uint16_t channel;
  uint16_t _3;
  uint8_t auth_mode;
  int16_t rssi;
} cyw43_ev_scan_result_t;

typedef struct _cyw43_wifi_scan_options_t {
  uint32_t version;
  uint16_t action;
  uint16_t _;
  uint32_t ssid_len;
  uint8_t ssid[32];
  uint8_t bssid[6];
  int8_t bss_type;
  int8_t scan_type;
  int32_t nprobes;
  int32_t active_time;
  int32_t passive_time;
  int32_t home_time;
  int32_t channel_num;
  uint16_t channel_list[1];
} cyw43_wifi_scan_options_t;

typedef struct _cyw43_t {
  int itf_state;
  uint32_t trace_flags;
  volatile uint32_t wifi_scan_state;
  uint32_t wifi_join_state;
  void *wifi_scan_env;
  int (*wifi_scan_cb)(void *, const cyw43_ev_scan_result_t *);
  bool initted;
  bool pend_disassoc;
  bool pend_rejoin;
  bool pend_rejoin_wpa;
  uint32_t ap_auth;
  uint8_t ap_channel;
  uint8_t ap_ssid_len;
  uint8_t ap_key_len;
  uint8_t ap_ssid[32];
  uint8_t ap_key[64];
  uint8_t mac[6];
  uint32_t country;
  int link_status; /* host SDK: the STA join result (CYW43_LINK_*) */
#if CYW43_LWIP
  struct netif netif[2];
#endif
} cyw43_t;

extern cyw43_t cyw43_state;

void cyw43_init(cyw43_t *self);
void cyw43_deinit(cyw43_t *self);
int cyw43_ioctl(cyw43_t *self, uint32_t cmd, size_t len, uint8_t *buf, uint32_t iface);
int cyw43_send_ethernet(cyw43_t *self, int itf, size_t len, const void *buf, bool is_pbuf);
int cyw43_wifi_pm(cyw43_t *self, uint32_t pm);
int cyw43_wifi_get_pm(cyw43_t *self, uint32_t *pm);
int cyw43_wifi_link_status(cyw43_t *self, int itf);
void cyw43_wifi_set_up(cyw43_t *self, int itf, bool up, uint32_t country);
int cyw43_wifi_get_mac(cyw43_t *self, int itf, uint8_t mac[6]);
int cyw43_wifi_update_multicast_filter(cyw43_t *self, uint8_t *addr, bool add);
int cyw43_wifi_scan(cyw43_t *self, cyw43_wifi_scan_options_t *opts, void *env,
                    int (*result_cb)(void *, const cyw43_ev_scan_result_t *));
static inline bool cyw43_wifi_scan_active(cyw43_t *self) { return self->wifi_scan_state == 1; }
int cyw43_wifi_join(cyw43_t *self, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                    uint32_t auth_type, const uint8_t *bssid, uint32_t channel);
int cyw43_wifi_leave(cyw43_t *self, int itf);
int cyw43_wifi_get_rssi(cyw43_t *self, int32_t *rssi);
int cyw43_wifi_get_bssid(cyw43_t *self, uint8_t bssid[6]);
int cyw43_tcpip_link_status(cyw43_t *self, int itf);
bool cyw43_is_initialized(cyw43_t *self);
int cyw43_gpio_set(cyw43_t *self, int gpio, bool val);
int cyw43_gpio_get(cyw43_t *self, int gpio, bool *val);
uint32_t cyw43_get_country(cyw43_t *self);
/* The access point role, Bluetooth and the PIO clock are not simulated: declared, not
 * provided (a call fails to link, naming the function). */
void cyw43_wifi_ap_set_ssid(cyw43_t *self, size_t len, const uint8_t *buf);
void cyw43_wifi_ap_set_password(cyw43_t *self, size_t len, const uint8_t *buf);
void cyw43_wifi_ap_set_auth(cyw43_t *self, uint32_t auth);
void cyw43_set_pio_clock_divisor(uint16_t clock_div_int, uint8_t clock_div_frac);

/* HAL names programs use. */
#define CYW43_HAL_MAC_WLAN0 0
#define CYW43_HAL_MAC_BDADDR 1
void cyw43_hal_get_mac(int idx, uint8_t buf[6]);
uint32_t cyw43_hal_ticks_us(void);
uint32_t cyw43_hal_ticks_ms(void);
void cyw43_delay_ms(uint32_t ms);
void cyw43_delay_us(uint32_t us);

/* Statistics (CYW43_USE_STATS): counters of frames in and out. */
enum { CYW43_STAT_PACKET_IN_COUNT, CYW43_STAT_PACKET_OUT_COUNT, CYW43_STAT_LAST };
extern uint32_t cyw43_stats[CYW43_STAT_LAST];
#define CYW43_STAT_INC(s) (cyw43_stats[CYW43_STAT_##s]++)
#define CYW43_STAT_GET(s) (cyw43_stats[CYW43_STAT_##s])

#ifdef __cplusplus
}
#endif

#endif
