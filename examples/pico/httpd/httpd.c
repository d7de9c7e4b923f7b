/* A web server as a Pico W program: lwIP's httpd serving pages compiled in by the SDK's
 * content step. SSI tags in index.shtml show the board's live state (address, uptime, the
 * LED, a page counter); the CGI /led.cgi?led=1 (or 0) switches the Wi-Fi LED and answers
 * with the same page. lwIP runs in the background (threadsafe_background), so main only
 * sleeps, until the board is reset (or the runner stops the program). */
#include <stdlib.h>
#include <string.h>

#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/apps/httpd.h"

static bool led_on;
static unsigned hits;

/* The tags index.shtml uses, in the order the handler's index follows (each at most
   LWIP_HTTPD_MAX_TAG_NAME_LEN characters). */
static const char *ssi_tags[] = {"ip", "uptime", "led", "hits"};

static u16_t ssi_handler(int index, char *insert, int insert_len) {
  int n = 0;
  switch (index) {
    case 0:
      n = snprintf(insert, (size_t)insert_len, "%s", ip4addr_ntoa(netif_ip4_addr(netif_list)));
      break;
    case 1:
      n = snprintf(insert, (size_t)insert_len, "%lu", (unsigned long)(to_ms_since_boot(get_absolute_time()) / 1000));
      break;
    case 2:
      n = snprintf(insert, (size_t)insert_len, "%s", led_on ? "on" : "off");
      break;
    case 3:
      n = snprintf(insert, (size_t)insert_len, "%u", ++hits);
      break;
  }
  return (u16_t)(n < 0 ? 0 : n >= insert_len ? insert_len - 1 : n);
}

/* /led.cgi?led=1 or ?led=0: switch the LED, then serve the page that shows it. */
static const char *led_cgi(int index, int count, char *names[], char *values[]) {
  (void)index;
  for (int i = 0; i < count; i++) {
    if (strcmp(names[i], "led") == 0 && values[i] && (strcmp(values[i], "0") == 0 || strcmp(values[i], "1") == 0)) {
      led_on = values[i][0] == '1';
      cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, led_on);
      printf("LED %s\n", led_on ? "on" : "off");
      return "/index.shtml";
    }
  }
  return "/404.html";
}

static const tCGI cgi_handlers[] = {
    {"/led.cgi", led_cgi},
};

int main(void) {
  if (example_join_wifi()) return 1;
  cyw43_arch_lwip_begin();
  httpd_init();
  http_set_ssi_handler(ssi_handler, ssi_tags, LWIP_ARRAYSIZE(ssi_tags));
  http_set_cgi_handlers(cgi_handlers, LWIP_ARRAYSIZE(cgi_handlers));
  cyw43_arch_lwip_end();
  printf("httpd listening on %s:%d\n", ip4addr_ntoa(netif_ip4_addr(netif_list)), HTTPD_SERVER_PORT);
  while (true) sleep_ms(1000);
}
