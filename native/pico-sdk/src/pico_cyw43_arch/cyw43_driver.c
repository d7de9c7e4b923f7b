/* The simulated Wi-Fi chip: one access point (the runner's SSID and password), its scan
 * result, the chip's GPIOs (the LED), the MAC. Joining the access point brings the
 * Ethernet link up (cyw43_lwip.c then starts DHCP). A wrong password fails as a real
 * join does (CYW43_LINK_BADAUTH), a wrong SSID as an absent network (CYW43_LINK_NONET). */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "pico_host.h"

cyw43_t cyw43_state;
uint32_t cyw43_stats[CYW43_STAT_LAST];

#define WL_GPIO_BASE 64 /* the chip's pins, as the runner numbers them (pico_host_gpio) */
static bool wl_gpio[CYW43_WL_GPIO_COUNT];

#if CYW43_LWIP
void cyw43_lwip_init_itf(cyw43_t *self, int itf);
void cyw43_lwip_deinit_itf(cyw43_t *self, int itf);
void cyw43_lwip_link_up(cyw43_t *self, int itf);
void cyw43_lwip_link_down(cyw43_t *self, int itf);
#endif

void cyw43_init(cyw43_t *self) {
  memset(self, 0, sizeof *self);
  pico_mac(self->mac);
  self->initted = true;
  self->link_status = CYW43_LINK_DOWN;
}

void cyw43_deinit(cyw43_t *self) {
  if (!self->initted) return;
#if CYW43_LWIP
  if (self->itf_state & (1 << CYW43_ITF_STA)) cyw43_lwip_deinit_itf(self, CYW43_ITF_STA);
#endif
  self->itf_state = 0;
  self->initted = false;
}

bool cyw43_is_initialized(cyw43_t *self) { return self->initted; }

void cyw43_wifi_set_up(cyw43_t *self, int itf, bool up, uint32_t country) {
  self->country = country;
  if (itf != CYW43_ITF_STA) panic("cyw43_wifi_set_up: the access point role is not simulated");
  bool is_up = (self->itf_state & (1 << itf)) != 0;
  if (up == is_up) return;
  if (up) {
    self->itf_state |= 1 << itf;
#if CYW43_LWIP
    cyw43_lwip_init_itf(self, itf);
#endif
  } else {
    cyw43_wifi_leave(self, itf);
#if CYW43_LWIP
    cyw43_lwip_deinit_itf(self, itf);
#endif
    self->itf_state &= ~(1 << itf);
  }
}

uint32_t cyw43_get_country(cyw43_t *self) { return self->country; }

int cyw43_wifi_get_mac(cyw43_t *self, int itf, uint8_t mac[6]) {
  (void)itf;
  memcpy(mac, self->mac, 6);
  return 0;
}

void cyw43_hal_get_mac(int idx, uint8_t buf[6]) {
  (void)idx;
  pico_mac(buf);
}

uint32_t cyw43_hal_ticks_us(void) { return (uint32_t)pico_host_time_us(); }
uint32_t cyw43_hal_ticks_ms(void) { return (uint32_t)(pico_host_time_us() / 1000.0); }
void cyw43_delay_ms(uint32_t ms) { busy_wait_ms(ms); }
void cyw43_delay_us(uint32_t us) { busy_wait_us(us); }

int cyw43_wifi_pm(cyw43_t *self, uint32_t pm) {
  (void)self;
  (void)pm;
  return 0;
}
int cyw43_wifi_get_pm(cyw43_t *self, uint32_t *pm) {
  (void)self;
  *pm = CYW43_DEFAULT_PM;
  return 0;
}
int cyw43_wifi_update_multicast_filter(cyw43_t *self, uint8_t *addr, bool add) {
  (void)self;
  (void)addr;
  (void)add;
  return 0;
}

/* ---- the simulated access point ---- */

static int ap_config(char *ssid, size_t ssid_cap, char *password, size_t pw_cap) {
  if (pico_host_config(PICO_HOST_CFG_SSID, ssid, ssid_cap) < 0) return -1;
  if (pico_host_config(PICO_HOST_CFG_PASSWORD, password, pw_cap) < 0) password[0] = 0;
  return 0;
}

static void ap_bssid(uint8_t bssid[6]) {
  static const uint8_t b[6] = {0x02, 0x50, 0x49, 0x43, 0x4f, 0x01}; /* locally administered */
  memcpy(bssid, b, 6);
}

int cyw43_wifi_join(cyw43_t *self, size_t ssid_len, const uint8_t *ssid, size_t key_len, const uint8_t *key,
                    uint32_t auth_type, const uint8_t *bssid, uint32_t channel) {
  (void)bssid;
  (void)channel;
  if (!(self->itf_state & (1 << CYW43_ITF_STA))) return -1; /* STA mode not enabled */
  char ap_ssid[64], ap_pw[128];
  self->link_status = CYW43_LINK_JOIN;
  /* No SSID given to the runner: the access point takes whatever the program joins with. */
  bool any = ap_config(ap_ssid, sizeof ap_ssid, ap_pw, sizeof ap_pw) != 0;
  if (!any && (strlen(ap_ssid) != ssid_len || memcmp(ap_ssid, ssid, ssid_len) != 0)) {
    self->link_status = CYW43_LINK_NONET;
    return 0;
  }
  bool open = ap_pw[0] == 0;
  bool key_ok = any || (open ? auth_type == CYW43_AUTH_OPEN
                             : auth_type != CYW43_AUTH_OPEN && strlen(ap_pw) == key_len && memcmp(ap_pw, key, key_len) == 0);
  if (!key_ok) {
    self->link_status = CYW43_LINK_BADAUTH;
    return 0;
  }
  self->wifi_join_state = 1;
#if CYW43_LWIP
  cyw43_lwip_link_up(self, CYW43_ITF_STA);
#endif
  return 0;
}

int cyw43_wifi_leave(cyw43_t *self, int itf) {
  if (itf != CYW43_ITF_STA) return -1;
  if (self->wifi_join_state) {
    self->wifi_join_state = 0;
#if CYW43_LWIP
    cyw43_lwip_link_down(self, itf);
#endif
  }
  self->link_status = CYW43_LINK_DOWN;
  return 0;
}

int cyw43_wifi_link_status(cyw43_t *self, int itf) {
  if (itf != CYW43_ITF_STA) return CYW43_LINK_DOWN;
  return self->link_status;
}

int cyw43_wifi_get_rssi(cyw43_t *self, int32_t *rssi) {
  if (!self->wifi_join_state) return -1;
  *rssi = -45;
  return 0;
}

int cyw43_wifi_get_bssid(cyw43_t *self, uint8_t bssid[6]) {
  if (!self->wifi_join_state) return -1;
  ap_bssid(bssid);
  return 0;
}

/* A scan reports the one access point a moment later, from the async context. */
static async_at_time_worker_t scan_worker;

static void scan_done(async_context_t *context, async_at_time_worker_t *worker) {
  (void)context;
  cyw43_t *self = worker->user_data;
  char ssid[64], pw[128];
  if (ap_config(ssid, sizeof ssid, pw, sizeof pw) != 0) {
    strcpy(ssid, "lwip-pico"); /* the access point's name when the runner gives none */
    pw[0] = 0;
  }
  if (self->wifi_scan_cb) {
    cyw43_ev_scan_result_t r;
    memset(&r, 0, sizeof r);
    ap_bssid(r.bssid);
    r.ssid_len = (uint8_t)(strlen(ssid) > 32 ? 32 : strlen(ssid));
    memcpy(r.ssid, ssid, r.ssid_len);
    r.channel = 6;
    r.auth_mode = pw[0] ? 5 : 0; /* WPA2-PSK (AES) or open, as the chip reports it */
    r.rssi = -45;
    self->wifi_scan_cb(self->wifi_scan_env, &r);
  }
  self->wifi_scan_state = 2;
}

int cyw43_wifi_scan(cyw43_t *self, cyw43_wifi_scan_options_t *opts, void *env,
                    int (*result_cb)(void *, const cyw43_ev_scan_result_t *)) {
  (void)opts;
  if (!(self->itf_state & (1 << CYW43_ITF_STA))) return -1;
  if (self->wifi_scan_state == 1) return -1;
  self->wifi_scan_env = env;
  self->wifi_scan_cb = result_cb;
  self->wifi_scan_state = 1;
  scan_worker.do_work = scan_done;
  scan_worker.user_data = self;
  async_context_add_at_time_worker_in_ms(cyw43_arch_async_context(), &scan_worker, 500);
  return 0;
}

/* ---- the chip's GPIOs: pin 0 is the LED ---- */

int cyw43_gpio_set(cyw43_t *self, int gpio, bool val) {
  (void)self;
  if (gpio < 0 || gpio >= CYW43_WL_GPIO_COUNT) return -1;
  if (wl_gpio[gpio] != val) pico_host_gpio(WL_GPIO_BASE + gpio, val);
  wl_gpio[gpio] = val;
  return 0;
}

int cyw43_gpio_get(cyw43_t *self, int gpio, bool *val) {
  (void)self;
  if (gpio < 0 || gpio >= CYW43_WL_GPIO_COUNT) return -1;
  /* VBUS reads present (the board is powered over USB). */
  *val = gpio == CYW43_WL_GPIO_VBUS_PIN ? true : wl_gpio[gpio];
  return 0;
}
