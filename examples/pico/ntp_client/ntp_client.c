/* An NTP client as a Pico W program: DNS, one 48-byte request to port 123, the transmit
 * timestamp of the answer printed as a UTC date. lwIP runs in the background; main sleeps
 * in short steps until the answer (or a timeout). */
#include <string.h>
#include <time.h>

#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"

#define NTP_PORT 123
#define NTP_MSG_LEN 48
#define NTP_DELTA 2208988800u /* seconds from 1900 to 1970 */

static struct udp_pcb *pcb;
static volatile int result = -1; /* -1 waiting, 0 answered, 1 failed */

static void on_recv(void *arg, struct udp_pcb *upcb, struct pbuf *p, const ip_addr_t *addr, u16_t port) {
  (void)arg;
  (void)upcb;
  uint8_t mode = pbuf_get_at(p, 0) & 0x7;
  uint8_t stratum = pbuf_get_at(p, 1);
  if (port == NTP_PORT && p->tot_len == NTP_MSG_LEN && mode == 4 && stratum != 0) {
    uint8_t t[4];
    pbuf_copy_partial(p, t, sizeof t, 40);
    uint32_t secs = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
    time_t epoch = (time_t)(secs - NTP_DELTA);
    struct tm *utc = gmtime(&epoch);
    printf("got ntp response from %s: %02d/%02d/%04d %02d:%02d:%02d\n", ipaddr_ntoa(addr), utc->tm_mday,
           utc->tm_mon + 1, utc->tm_year + 1900, utc->tm_hour, utc->tm_min, utc->tm_sec);
    result = 0;
  } else {
    printf("invalid ntp response\n");
    result = 1;
  }
  pbuf_free(p);
}

static void send_request(const ip_addr_t *addr) {
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, NTP_MSG_LEN, PBUF_RAM);
  memset(p->payload, 0, NTP_MSG_LEN);
  ((uint8_t *)p->payload)[0] = 0x1b; /* LI 0, version 3, mode 3 (client) */
  udp_sendto(pcb, p, addr, NTP_PORT);
  pbuf_free(p);
}

static void on_dns(const char *name, const ip_addr_t *addr, void *arg) {
  (void)arg;
  if (!addr) {
    printf("ntp dns request failed for %s\n", name);
    result = 1;
    return;
  }
  printf("ntp address %s\n", ipaddr_ntoa(addr));
  send_request(addr);
}

int main(void) {
  if (example_join_wifi()) return 1;
  ip_addr_t addr;
  cyw43_arch_lwip_begin();
  pcb = udp_new_ip_type(IPADDR_TYPE_ANY);
  udp_recv(pcb, on_recv, NULL);
  err_t err = dns_gethostbyname(NTP_SERVER, &addr, on_dns, NULL);
  if (err == ERR_OK) send_request(&addr);
  cyw43_arch_lwip_end();
  if (err != ERR_OK && err != ERR_INPROGRESS) {
    printf("dns request failed %d\n", err);
    return 1;
  }
  absolute_time_t deadline = make_timeout_time_ms(10000);
  while (result < 0 && absolute_time_diff_us(get_absolute_time(), deadline) > 0) sleep_ms(50);
  if (result < 0) printf("ntp request timed out\n");
  cyw43_arch_lwip_begin();
  udp_remove(pcb);
  cyw43_arch_lwip_end();
  cyw43_arch_deinit();
  return result == 0 ? 0 : 1;
}
