/* A TCP client as a Pico W program: join Wi-Fi, connect, send one line, read it back.
 * The exit status says whether the echo came back whole (0) or not (1). */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "lwip/ip_addr.h"
#include "lwip/tcp.h"

static const char message[] = "hello from a Pico W program\n";

typedef struct {
  struct tcp_pcb *pcb;
  char received[128];
  size_t received_len;
  bool done;
  int status;
} client_t;

static void finish(client_t *c, int status) {
  if (c->pcb) {
    tcp_arg(c->pcb, NULL);
    tcp_recv(c->pcb, NULL);
    tcp_err(c->pcb, NULL);
    if (tcp_close(c->pcb) != ERR_OK) tcp_abort(c->pcb);
    c->pcb = NULL;
  }
  c->status = status;
  c->done = true;
}

static err_t on_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err) {
  client_t *c = arg;
  if (!p) {
    printf("server closed the connection\n");
    finish(c, c->received_len == strlen(message) ? 0 : 1);
    return ERR_OK;
  }
  size_t room = sizeof c->received - 1 - c->received_len;
  size_t n = p->tot_len < room ? p->tot_len : room;
  pbuf_copy_partial(p, c->received + c->received_len, (u16_t)n, 0);
  c->received_len += n;
  tcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  (void)err;
  if (c->received_len >= strlen(message)) {
    c->received[c->received_len] = 0;
    printf("received %u bytes: %s", (unsigned)c->received_len, c->received);
    finish(c, memcmp(c->received, message, strlen(message)) == 0 ? 0 : 1);
  }
  return ERR_OK;
}

static void on_err(void *arg, err_t err) {
  client_t *c = arg;
  printf("connection error %d\n", err);
  c->pcb = NULL; /* lwIP freed it */
  finish(c, 1);
}

static err_t on_connected(void *arg, struct tcp_pcb *pcb, err_t err) {
  client_t *c = arg;
  if (err != ERR_OK) {
    finish(c, 1);
    return err;
  }
  printf("connected, sending %u bytes\n", (unsigned)strlen(message));
  tcp_write(pcb, message, strlen(message), TCP_WRITE_FLAG_COPY);
  tcp_output(pcb);
  return ERR_OK;
}

int main(void) {
  stdio_init_all();
  if (cyw43_arch_init()) {
    printf("failed to initialise\n");
    return 1;
  }
  cyw43_arch_enable_sta_mode();
  printf("Connecting to Wi-Fi...\n");
  int err = cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 30000);
  if (err) {
    printf("failed to connect: %d\n", err);
    return 2;
  }
  printf("Connected, address %s\n", ip4addr_ntoa(netif_ip4_addr(netif_list)));

  static client_t client;
  ip_addr_t server;
  ipaddr_aton(SERVER_IP, &server);
  printf("Connecting to %s port %d\n", SERVER_IP, SERVER_PORT);
  cyw43_arch_lwip_begin();
  client.pcb = tcp_new_ip_type(IP_GET_TYPE(&server));
  tcp_arg(client.pcb, &client);
  tcp_recv(client.pcb, on_recv);
  tcp_err(client.pcb, on_err);
  err = tcp_connect(client.pcb, &server, SERVER_PORT, on_connected);
  cyw43_arch_lwip_end();
  if (err != ERR_OK) {
    printf("tcp_connect failed %d\n", err);
    return 1;
  }

  while (!client.done) {
#if PICO_CYW43_ARCH_POLL
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(make_timeout_time_ms(1000));
#else
    sleep_ms(100);
#endif
  }
  printf(client.status == 0 ? "test passed\n" : "test failed\n");
  cyw43_arch_deinit();
  return client.status;
}
