/* An HTTPS server as a Pico W program: lwIP's httpd on altcp_tls, the certificate and key
 * compiled in, the pages compiled in by the SDK's content step (pico_set_lwip_httpd_content).
 * Poll mode: lwIP and Mbed TLS run inside cyw43_arch_poll() in main's loop, which runs
 * until the board is reset (or the runner stops the program). */
#include "pico/cyw43_arch.h"
#include "example_wifi.h"
#include "pico/stdlib.h"
#include "lwip/altcp_tls.h"
#include "lwip/apps/httpd.h"
#include "psa/crypto.h"

#include "TLS_CERT_PEM.h"
#include "TLS_KEY_PEM.h"

int main(void) {
  if (example_join_wifi()) return 1;
  /* TLS 1.3 (mbedtls_config.h) does its crypto through PSA: initialise it once. */
  if (psa_crypto_init() != PSA_SUCCESS) {
    printf("psa_crypto_init failed\n");
    return 1;
  }
  /* PEM lengths count the terminating NUL (sizeof does), as Mbed TLS's parsers want. */
  struct altcp_tls_config *tls = altcp_tls_create_config_server_privkey_cert(
      (const u8_t *)TLS_KEY_PEM, sizeof TLS_KEY_PEM, NULL, 0, (const u8_t *)TLS_CERT_PEM, sizeof TLS_CERT_PEM);
  if (!tls) {
    printf("the certificate or key does not parse\n");
    return 1;
  }
  cyw43_arch_lwip_begin();
  httpd_inits(tls);
  cyw43_arch_lwip_end();
  printf("HTTPS server listening on %s:%d\n", ip4addr_ntoa(netif_ip4_addr(netif_list)), HTTPD_SERVER_PORT_HTTPS);
  while (true) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(make_timeout_time_ms(1000));
  }
}
