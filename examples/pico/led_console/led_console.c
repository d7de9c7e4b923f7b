/* The Wi-Fi LED from a serial console as a Pico W program: join Wi-Fi and light the LED
 * (the board's "I am on the network" sign), then read commands from stdin, one a line -
 * on, off, toggle, status, quit - and answer each. getchar_timeout_us waits as a Pico's
 * USB serial does: lwIP keeps running in the background meanwhile. */
#include <stdbool.h>
#include <string.h>

#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"

static bool led;

static void set_led(bool on) {
  led = on;
  cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, on);
}

/* Acts on one line; false once it was "quit". */
static bool command(const char *line) {
  if (strcmp(line, "on") == 0) set_led(true);
  else if (strcmp(line, "off") == 0) set_led(false);
  else if (strcmp(line, "toggle") == 0) set_led(!led);
  else if (strcmp(line, "quit") == 0) {
    printf("bye\n");
    return false;
  } else if (strcmp(line, "status") != 0) {
    printf("unknown command \"%s\" (on, off, toggle, status, quit)\n", line);
    return true;
  }
  printf("led %s, address %s\n", led ? "on" : "off", ip4addr_ntoa(netif_ip4_addr(netif_list)));
  return true;
}

int main(void) {
  if (example_join_wifi()) return 1;
  set_led(true);
  printf("Connected, address %s; the LED is on\n", ip4addr_ntoa(netif_ip4_addr(netif_list)));
  printf("Type a command: on, off, toggle, status, quit\n");

  char line[64];
  size_t len = 0;
  for (;;) {
    int c = getchar_timeout_us(1000 * 1000);
    if (c == PICO_ERROR_TIMEOUT) continue;
    if (c == '\r' || c == '\n') {
      if (len == 0) continue;
      line[len] = 0;
      len = 0;
      if (!command(line)) break;
    } else if (len < sizeof line - 1) {
      line[len++] = (char)c;
    }
  }
  set_led(false);
  cyw43_arch_deinit();
  return 0;
}
