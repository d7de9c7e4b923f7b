/* The book's simplest HTTPS client, as a Pico W program: resolve the host, open a TLS
 * connection with lwIP's altcp_tls (Mbed TLS underneath), send one GET, print the response
 * as it arrives, and loop in main on cyw43_arch_poll() until the server closes.
 * The certificate is verified against the CA compiled in (HTTPS_CA_PEM), for HTTPS_HOST. */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/dns.h"
#include "lwip/pbuf.h"
#include "mbedtls/ssl.h"

#include "HTTPS_CA_PEM.h"

#define REQUEST "GET " HTTPS_PATH " HTTP/1.1\r\nHost: " HTTPS_HOST "\r\nConnection: close\r\n\r\n"
#define POLL_TIME_S 5
#define TIMEOUT_S 30

typedef struct TLS_CLIENT_T_ {
  struct altcp_pcb *pcb;
  bool complete;
  int error;
  size_t received;
  int polls;
} TLS_CLIENT_T;

static struct altcp_tls_config *tls_config;

static err_t tls_client_close(TLS_CLIENT_T *state) {
  state->complete = true;
  err_t err = ERR_OK;
  if (state->pcb) {
    altcp_arg(state->pcb, NULL);
    altcp_poll(state->pcb, NULL, 0);
    altcp_recv(state->pcb, NULL);
    altcp_err(state->pcb, NULL);
    err = altcp_close(state->pcb);
    if (err != ERR_OK) {
      printf("close failed %d, calling abort\n", err);
      altcp_abort(state->pcb);
      err = ERR_ABRT;
    }
    state->pcb = NULL;
  }
  return err;
}

static err_t tls_client_connected(void *arg, struct altcp_pcb *pcb, err_t err) {
  TLS_CLIENT_T *state = arg;
  if (err != ERR_OK) {
    printf("connect failed %d\n", err);
    state->error = err;
    return tls_client_close(state);
  }
  printf("connected to server, sending request\n");
  err = altcp_write(state->pcb, REQUEST, strlen(REQUEST), TCP_WRITE_FLAG_COPY);
  if (err != ERR_OK) {
    printf("error writing data, err=%d\n", err);
    state->error = err;
    return tls_client_close(state);
  }
  return ERR_OK;
}

static err_t tls_client_poll(void *arg, struct altcp_pcb *pcb) {
  TLS_CLIENT_T *state = arg;
  (void)pcb;
  if (++state->polls * POLL_TIME_S >= TIMEOUT_S) {
    printf("timed out\n");
    state->error = PICO_ERROR_TIMEOUT;
    return tls_client_close(state);
  }
  return ERR_OK;
}

static void tls_client_err(void *arg, err_t err) {
  TLS_CLIENT_T *state = arg;
  printf("tls_client_err %d\n", err);
  state->pcb = NULL; /* lwIP freed it */
  state->error = err;
  state->complete = true;
}

static err_t tls_client_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err) {
  TLS_CLIENT_T *state = arg;
  if (!p) {
    printf("\nconnection closed by the server\n");
    return tls_client_close(state);
  }
  if (p->tot_len > 0) {
    char buf[p->tot_len + 1];
    pbuf_copy_partial(p, buf, p->tot_len, 0);
    buf[p->tot_len] = 0;
    printf("%s", buf);
    state->received += p->tot_len;
    altcp_recved(pcb, p->tot_len);
  }
  pbuf_free(p);
  (void)err;
  return ERR_OK;
}

static void tls_client_connect_to_server_ip(const ip_addr_t *ipaddr, TLS_CLIENT_T *state) {
  printf("connecting to server IP %s port %d\n", ipaddr_ntoa(ipaddr), HTTPS_PORT);
  err_t err = altcp_connect(state->pcb, ipaddr, HTTPS_PORT, tls_client_connected);
  if (err != ERR_OK) {
    printf("error initiating connect, err=%d\n", err);
    state->error = err;
    tls_client_close(state);
  }
}

static void tls_client_dns_found(const char *hostname, const ip_addr_t *ipaddr, void *arg) {
  TLS_CLIENT_T *state = arg;
  if (ipaddr) {
    printf("DNS resolving complete\n");
    tls_client_connect_to_server_ip(ipaddr, state);
  } else {
    printf("error resolving hostname %s\n", hostname);
    state->error = PICO_ERROR_NOT_FOUND;
    tls_client_close(state);
  }
}

static bool tls_client_open(const char *hostname, TLS_CLIENT_T *state) {
  state->pcb = altcp_tls_new(tls_config, IPADDR_TYPE_ANY);
  if (!state->pcb) {
    printf("failed to create pcb\n");
    return false;
  }
  altcp_arg(state->pcb, state);
  altcp_poll(state->pcb, tls_client_poll, POLL_TIME_S * 2);
  altcp_recv(state->pcb, tls_client_recv);
  altcp_err(state->pcb, tls_client_err);
  /* SNI and the name the certificate must carry. */
  mbedtls_ssl_set_hostname(altcp_tls_context(state->pcb), hostname);
  printf("resolving %s\n", hostname);
  cyw43_arch_lwip_begin();
  ip_addr_t server_ip;
  err_t err = dns_gethostbyname(hostname, &server_ip, tls_client_dns_found, state);
  if (err == ERR_OK) {
    tls_client_connect_to_server_ip(&server_ip, state);
  } else if (err != ERR_INPROGRESS) {
    printf("error initiating DNS resolving, err=%d\n", err);
    tls_client_close(state);
  }
  cyw43_arch_lwip_end();
  return err == ERR_OK || err == ERR_INPROGRESS;
}

int main(void) {
  stdio_init_all();
  if (cyw43_arch_init()) {
    printf("failed to initialise\n");
    return 1;
  }
  cyw43_arch_enable_sta_mode();
  if (cyw43_arch_wifi_connect_timeout_ms(WIFI_SSID, WIFI_PASSWORD, CYW43_AUTH_WPA2_AES_PSK, 30000)) {
    printf("failed to connect\n");
    return 1;
  }
  tls_config = altcp_tls_create_config_client((const u8_t *)HTTPS_CA_PEM, sizeof HTTPS_CA_PEM);
  if (!tls_config) {
    printf("the CA does not parse\n");
    return 1;
  }
  static TLS_CLIENT_T state;
  if (!tls_client_open(HTTPS_HOST, &state)) return 1;
  while (!state.complete) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(make_timeout_time_ms(1000));
  }
  altcp_tls_free_config(tls_config);
  printf(state.error == 0 && state.received > 0 ? "test passed\n" : "test failed\n");
  cyw43_arch_deinit();
  return state.error == 0 && state.received > 0 ? 0 : 1;
}
