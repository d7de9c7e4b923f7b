/* A UDP beacon as a Pico W program: COUNT numbered datagrams, a second apart, polling lwIP
 * from main's loop between them. */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/pbuf.h"
#include "lwip/udp.h"

int main(void) {
  if (example_join_wifi()) return 1;
  struct udp_pcb *pcb = udp_new();
  ip_addr_t addr;
  ipaddr_aton(SERVER_IP, &addr);
  for (int i = 1; i <= COUNT; i++) {
    char msg[32];
    int len = snprintf(msg, sizeof msg, "beacon %d", i);
    struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
    memcpy(p->payload, msg, (size_t)len);
    err_t err = udp_sendto(pcb, p, &addr, SERVER_PORT);
    pbuf_free(p);
    printf(err == ERR_OK ? "sent %s\n" : "failed to send %s\n", msg);
    absolute_time_t next = make_timeout_time_ms(1000);
    while (i < COUNT && absolute_time_diff_us(get_absolute_time(), next) > 0) {
      cyw43_arch_poll();
      cyw43_arch_wait_for_work_until(next);
    }
  }
  /* A moment for what is still queued (the first datagram waits for ARP). */
  absolute_time_t end = make_timeout_time_ms(200);
  while (absolute_time_diff_us(get_absolute_time(), end) > 0) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(end);
  }
  udp_remove(pcb);
  cyw43_arch_deinit();
  return 0;
}
