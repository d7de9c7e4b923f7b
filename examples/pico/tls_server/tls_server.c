/* A TLS server as a Pico W program: one client, one HTTP request, one response (then the
 * server closes, as its Connection: close says), then the program ends. lwIP's altcp_tls over Mbed TLS, polled from main's loop. */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"

#include "TLS_CERT_PEM.h"
#include "TLS_KEY_PEM.h"

static const char response[] =
    "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 22\r\nConnection: close\r\n\r\n"
    "hello from a Pico W!\r\n";

static bool done;
static char request[512];
static size_t request_len;

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err) {
  (void)arg;
  (void)err;
  if (!p) {
    printf("client closed\n");
    altcp_close(pcb);
    done = true;
    return ERR_OK;
  }
  size_t n = p->tot_len < sizeof request - 1 - request_len ? p->tot_len : sizeof request - 1 - request_len;
  pbuf_copy_partial(p, request + request_len, (u16_t)n, 0);
  request_len += n;
  request[request_len] = 0;
  altcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  if (strstr(request, "\r\n\r\n")) {
    printf("request: %.*s\n", (int)strcspn(request, "\r"), request);
    altcp_write(pcb, response, sizeof response - 1, TCP_WRITE_FLAG_COPY);
    altcp_output(pcb);
    /* "Connection: close": the response, close_notify and FIN go out in that order. */
    altcp_recv(pcb, NULL);
    altcp_err(pcb, NULL);
    altcp_close(pcb);
    printf("response sent, connection closed\n");
    done = true;
  }
  return ERR_OK;
}

static void on_err(void *arg, err_t err) {
  (void)arg;
  printf("connection error %d\n", err);
  done = true;
}

static err_t on_accept(void *arg, struct altcp_pcb *client, err_t err) {
  (void)arg;
  if (err != ERR_OK || !client) return ERR_VAL;
  printf("client connected\n");
  altcp_recv(client, on_recv);
  altcp_err(client, on_err);
  return ERR_OK;
}

int main(void) {
  if (example_join_wifi()) return 1;
  struct altcp_tls_config *config = altcp_tls_create_config_server_privkey_cert(
      (const u8_t *)TLS_KEY_PEM, sizeof TLS_KEY_PEM, NULL, 0, (const u8_t *)TLS_CERT_PEM, sizeof TLS_CERT_PEM);
  if (!config) {
    printf("the certificate or key does not parse\n");
    return 1;
  }
  struct altcp_pcb *pcb = altcp_tls_new(config, IPADDR_TYPE_ANY);
  if (altcp_bind(pcb, IP_ANY_TYPE, SERVER_PORT) != ERR_OK) {
    printf("bind failed\n");
    return 1;
  }
  struct altcp_pcb *listener = altcp_listen(pcb);
  altcp_accept(listener, on_accept);
  printf("TLS server listening on %s port %d\n", ip4addr_ntoa(netif_ip4_addr(netif_list)), SERVER_PORT);
  while (!done) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(make_timeout_time_ms(1000));
  }
  /* Let the last segments (close_notify, FIN) go out. */
  absolute_time_t end = make_timeout_time_ms(500);
  while (absolute_time_diff_us(get_absolute_time(), end) > 0) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(end);
  }
  /* The listener stays open: lwIP 2.2.1's altcp_tls asserts when a TLS listener is closed
     (its close sets a poll callback on the inner LISTEN pcb), and the program ends here. */
  (void)listener;
  cyw43_arch_deinit();
  return 0;
}
