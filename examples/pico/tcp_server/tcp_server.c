/* A TCP echo server as a Pico W program. lwIP runs in the background (the
 * threadsafe_background cyw43_arch), so main just sleeps until the one client is done. */
#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/tcp.h"

static struct tcp_pcb *listener;
static volatile bool done;
static size_t echoed;

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (!p) {
    printf("client closed after %u bytes\n", (unsigned)echoed);
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_close(pcb);
    done = true;
    return ERR_OK;
  }
  for (struct pbuf *q = p; q; q = q->next) {
    if (tcp_write(pcb, q->payload, q->len, TCP_WRITE_FLAG_COPY) != ERR_OK) {
      printf("write failed\n");
      break;
    }
  }
  echoed += p->tot_len;
  tcp_output(pcb);
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t on_accept(void *arg, struct tcp_pcb *client, err_t err) {
  (void)arg;
  if (err != ERR_OK || !client) return ERR_VAL;
  printf("client connected from %s\n", ipaddr_ntoa(&client->remote_ip));
  tcp_recv(client, on_recv);
  return ERR_OK;
}

int main(void) {
  if (example_join_wifi()) return 1;
  cyw43_arch_lwip_begin();
  struct tcp_pcb *pcb = tcp_new_ip_type(IPADDR_TYPE_ANY);
  err_t err = tcp_bind(pcb, NULL, SERVER_PORT);
  if (err == ERR_OK) {
    listener = tcp_listen_with_backlog(pcb, 1);
    tcp_accept(listener, on_accept);
  }
  cyw43_arch_lwip_end();
  if (err != ERR_OK) {
    printf("bind failed %d\n", err);
    return 1;
  }
  printf("listening on %s port %d\n", ip4addr_ntoa(netif_ip4_addr(netif_list)), SERVER_PORT);
  while (!done) sleep_ms(100);
  cyw43_arch_lwip_begin();
  tcp_close(listener);
  cyw43_arch_lwip_end();
  cyw43_arch_deinit();
  return 0;
}
