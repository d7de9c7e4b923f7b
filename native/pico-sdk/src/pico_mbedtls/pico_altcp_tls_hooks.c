/* The functions our TLS adapter (native/tls/altcp_tls_36.c) calls back, and the server
 * names of pico/altcp_tls_server_name.h. The library's exported API uses the status hook to
 * report TLS status; a Pico program has no such listener, but two statuses serve here:
 *  - SETUP (a new context, client or accepted server): when the runner asks for a key log
 *    (lwip-pico run --keylog, PicoRunOptions.onKeyLog), the context exports its secrets;
 *  - TCP connected (just before a client handshake starts): the moment to give the
 *    connection the name its config was given.
 * Mbed TLS's debug lines go where lwIP's diagnostics go (the program's stdout). */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS /* ssl->conf: the config a connection was made with */
#include <stdio.h>
#include <string.h>

#include "lmw_tls_hooks.h"
#include "pico/altcp_tls_server_name.h"
#include "pico_host.h"

#define PICO_ALTCP_TLS_SERVER_NAMES 4

static struct {
  const mbedtls_ssl_config *conf;
  char name[256];
} names[PICO_ALTCP_TLS_SERVER_NAMES];

err_t pico_altcp_tls_config_server_name(struct altcp_tls_config *config, const char *name) {
  const mbedtls_ssl_config *conf = lmw_altcp_tls_ssl_config(config);
  if (!conf || !name || strlen(name) >= sizeof names[0].name) return ERR_ARG;
  int slot = -1;
  for (int i = 0; i < PICO_ALTCP_TLS_SERVER_NAMES; i++) {
    if (names[i].conf == conf) {
      slot = i;
      break;
    }
    if (slot < 0 && names[i].conf == NULL) slot = i;
  }
  if (slot < 0) return ERR_MEM;
  names[slot].conf = conf;
  strcpy(names[slot].name, name);
  return ERR_OK;
}

static void give_server_name(mbedtls_ssl_context *ssl) {
  if (ssl->conf == NULL || mbedtls_ssl_get_hostname(ssl) != NULL) return;
  if (mbedtls_ssl_conf_get_endpoint(ssl->conf) != MBEDTLS_SSL_IS_CLIENT) return;
  for (int i = 0; i < PICO_ALTCP_TLS_SERVER_NAMES; i++) {
    if (names[i].conf == ssl->conf) {
      /* Only fails on memory: the handshake then fails on the missing name, closed. */
      (void)mbedtls_ssl_set_hostname(ssl, names[i].name);
      return;
    }
  }
}

static void keylog_write(const char *line, size_t len) {
  (void)len; /* NUL-terminated */
  pico_host_keylog(line);
}
static const lmw_tls_keylog_sink keylog_sink = {keylog_write};

static int keylog_wanted(void) {
  static int wanted = -1;
  if (wanted < 0) {
    char v[4];
    wanted = pico_host_config(PICO_HOST_CFG_KEYLOG, v, sizeof v) > 0 && v[0] == '1';
  }
  return wanted;
}

void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret) {
  (void)ret;
  if (status == LMW_TLS_STATUS_SETUP && keylog_wanted()) lmw_tls_keylog_attach(ssl, &keylog_sink);
  if (status == LMW_TLS_STATUS_TCP_CONNECTED) give_server_name(ssl);
}

void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str);
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str) {
  (void)ctx;
  printf("%s:%04d: |%d| %s", file, line, level, str);
}
