/* An SMTP client as a Pico W program: lwIP's smtp app sends one mail to SMTP_SERVER over
 * implicit TLS (SMTPS), logging in as SMTP_USER. The server's certificate is verified
 * against the CA compiled in (SMTP_CA_PEM) and must name SMTP_SERVER. The result comes to
 * the callback given to smtp_send_mail(); main polls lwIP (poll mode) until it does. */
#include "example_wifi.h"
#include "pico/altcp_tls_server_name.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "lwip/altcp_tls.h"
#include "lwip/apps/smtp.h"

#include "SMTP_CA_PEM.h"

#define SUBJECT "Hello from a Pico W"
/* Lines end in CRLF; the last one's comes with lwIP's end of data ("\r\n.\r\n"). */
#define BODY "This mail was sent by lwIP's smtp client, over TLS.\r\nIt took one poll loop."
#define TIMEOUT_MS 60000

/* smtp_result_str() exists only in lwIP's debug builds. SMTP_RESULT_ERR_CLOSED is also
   what a failed TLS handshake gives (an untrusted certificate, say). */
static const char *const result_names[] = {"ok", "unknown error", "connect failed", "name not found",
                                           "connection closed", "timed out", "the server refused",
                                           "out of memory"};

static bool done;
static u8_t result = SMTP_RESULT_ERR_UNKNOWN;

static void on_result(void *arg, u8_t smtp_result, u16_t srv_err, err_t err) {
  (void)arg;
  result = smtp_result;
  const char *name = smtp_result < LWIP_ARRAYSIZE(result_names) ? result_names[smtp_result] : "?";
  if (smtp_result == SMTP_RESULT_OK) {
    printf("mail sent to %s\n", SMTP_TO);
  } else {
    /* srv_err: the server's reply code (535: the login was refused); err: lwIP's. */
    printf("mail failed: %s (result %u, server reply %u, err %d)\n", name, smtp_result, srv_err, err);
  }
  done = true;
}

int main(void) {
  if (example_join_wifi()) return 1;
  struct altcp_tls_config *tls_config =
      altcp_tls_create_config_client((const u8_t *)SMTP_CA_PEM, sizeof SMTP_CA_PEM);
  if (!tls_config) {
    printf("the CA does not parse\n");
    return 1;
  }
  /* lwIP's smtp opens the TLS connection itself: it gets its name (SNI, certificate check)
     from the config. */
  pico_altcp_tls_config_server_name(tls_config, SMTP_SERVER);
  smtp_set_tls_config(tls_config);
  smtp_set_server_addr(SMTP_SERVER);
  smtp_set_server_port(SMTP_PORT);
  if (smtp_set_auth(SMTP_USER, SMTP_PASSWORD) != ERR_OK) {
    printf("user name or password too long\n");
    return 1;
  }
  printf("sending a mail to %s through %s:%d as %s\n", SMTP_TO, SMTP_SERVER, SMTP_PORT, SMTP_USER);
  err_t err = smtp_send_mail(SMTP_FROM, SMTP_TO, SUBJECT, BODY, on_result, NULL);
  if (err != ERR_OK) {
    printf("smtp_send_mail failed: %d\n", err);
    return 1;
  }
  absolute_time_t deadline = make_timeout_time_ms(TIMEOUT_MS);
  while (!done && absolute_time_diff_us(get_absolute_time(), deadline) > 0) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(deadline);
  }
  if (!done) printf("no result within %d s\n", TIMEOUT_MS / 1000);
  /* The config stays: lwIP may still be closing the connection that used it. */
  cyw43_arch_deinit();
  return done && result == SMTP_RESULT_OK ? 0 : 1;
}
