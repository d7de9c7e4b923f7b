/* The book's simplest HTTPS client: one GET over lwIP's altcp_tls (Mbed TLS underneath),
 * written the way a Raspberry Pi Pico W programmer writes it (pico-examples'
 * picow_tls_client.c has the same shape: a state struct, altcp callbacks, DNS, a poll
 * timeout), with two differences that matter:
 *
 *  - the certificate is VERIFIED by default: lwipopts.h sets ALTCP_MBEDTLS_AUTHMODE to
 *    REQUIRED and the host name is given to Mbed TLS for SNI and for the name check.
 *    The Pico example's "no verification" behaviour is the `insecure` flag (curl's -k),
 *    which must be asked for by name and says so in the log;
 *  - lwIP runs NO_SYS inside a host-driven event loop (WASM has no blocking main loop),
 *    so there is no `while (!state->complete) cyw43_arch_poll();`: the host starts the
 *    request with lmw_app_https_get(), keeps running lwIP's timers and feeding frames,
 *    and learns the end from the event LMW_EV_APP_DONE(user_id, status), then collects
 *    the details with lmw_app_result().
 *
 * The response bytes (raw HTTP/1.1: status line, headers, body) go to the host as they
 * arrive, through lmw_host_app_data(); they are acknowledged to lwIP at once, as in the
 * Pico example (no backpressure: the host must keep up).
 *
 * Lifetimes: the state lives from lmw_app_https_get() until lmw_app_result() has read it
 * after LMW_EV_APP_DONE. The TLS config lives until the pcb is gone; it is freed from a
 * zero-delay lwIP timeout, because lwIP still uses the connection's SSL context (which
 * points into the config) right after it calls our err callback.
 *
 * One file past 400 lines on purpose: it is the chapter's program, read top to bottom as
 * the book prints it (state, callbacks, DNS, connect, request, result).
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/dns.h"
#include "lwip/err.h"
#include "lwip/ip_addr.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h" /* TCP_SLOW_INTERVAL: the unit of altcp_poll intervals */
#include "lwip/tcp.h"
#include "lwip/timeouts.h"

#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "host.h"
#include "https_client.h"
#include "lmw_api.h"
#include "lmw_tls_hooks.h"

/* lwIP's poll interval counts TCP coarse-timer ticks (TCP_SLOW_INTERVAL, 500 ms):
   2 ticks = a poll every second, as in the Pico example (POLL_TIME_S * 2). */
#define POLL_INTERVAL_TICKS 2
#define POLL_PERIOD_MS (POLL_INTERVAL_TICKS * TCP_SLOW_INTERVAL)
#define DEFAULT_TIMEOUT_MS 30000u
#define MAX_REQUEST_LEN 4096

typedef struct TLS_CLIENT_T_ {
  struct TLS_CLIENT_T_ *next; /* every request of this stack, found by user_id */
  uint32_t user_id;
  struct altcp_pcb *pcb;
  struct altcp_tls_config *config;
  char *hostname;     /* DNS, SNI, certificate name check, Host header */
  char *http_request; /* "GET <path> HTTP/1.1\r\n..." */
  u16_t request_len;
  u16_t port;
  ip_addr_t addr;
  bool have_addr;
  /* timeout by poll count: polls in a row without progress, and the limit */
  int polls;
  int max_polls;
  /* counters */
  size_t bytes_sent; /* application bytes acknowledged by the server */
  size_t bytes_received;
  /* the outcome */
  bool complete; /* finished: `error` holds the result */
  bool reported; /* LMW_EV_APP_DONE sent (config freed) */
  err_t error;
  int tls_err;           /* Mbed TLS code of a failed handshake or read; 0 if none */
  uint32_t verify_flags; /* MBEDTLS_X509_BADCERT_* after a failed handshake */
  bool close_notify;     /* the server ended TLS properly before its FIN */
} TLS_CLIENT_T;

static TLS_CLIENT_T *clients;

static TLS_CLIENT_T *tls_client_find(uint32_t user_id) {
  for (TLS_CLIENT_T *s = clients; s != NULL; s = s->next) {
    if (s->user_id == user_id) return s;
  }
  return NULL;
}

static void app_log(const char *text) {
  lmw_host_log(LMW_LOG_APP, text, strlen(text));
}

/* ---- finishing ---------------------------------------------------------------------------- */

/* Runs from lwIP's timer list, outside every lwIP callback: the pcb and its SSL context
   are gone by now, so the config can go, and the host hears the end. */
static void tls_client_report(void *arg) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  if (state->pcb != NULL) {
    /* Should not happen (every path that completes closes or loses the pcb); never
       free a config under a live connection. */
    altcp_arg(state->pcb, NULL);
    altcp_abort(state->pcb);
    state->pcb = NULL;
  }
  if (state->config != NULL) {
    altcp_tls_free_config(state->config);
    state->config = NULL;
  }
  state->reported = true;
  lmw_host_event(state->user_id, LMW_EV_APP_DONE, state->error);
}

/* Records the outcome (the first one wins) and schedules the report. */
static void tls_client_done(TLS_CLIENT_T *state, err_t err) {
  if (state->complete) return;
  state->complete = true;
  state->error = err;
  sys_timeout(0, tls_client_report, state);
}

/* Closes the connection: gracefully (TLS close_notify, FIN), or with a RST when lwIP has
   no memory for that. Returns ERR_ABRT when it aborted: a callback must then return
   ERR_ABRT to lwIP. */
static err_t tls_client_close(TLS_CLIENT_T *state) {
  err_t err = ERR_OK;
  if (state->pcb != NULL) {
    struct altcp_pcb *pcb = state->pcb;
    state->pcb = NULL;
    altcp_arg(pcb, NULL);
    altcp_poll(pcb, NULL, 0);
    altcp_recv(pcb, NULL);
    altcp_err(pcb, NULL);
    altcp_sent(pcb, NULL);
    err = altcp_close(pcb);
    if (err != ERR_OK) {
      altcp_abort(pcb);
      err = ERR_ABRT;
    }
  }
  return err;
}

/* ---- lwIP callbacks ------------------------------------------------------------------------ */

/* The TLS handshake is done (altcp_tls calls `connected` only then): send the request. */
static err_t tls_client_connected(void *arg, struct altcp_pcb *pcb, err_t err) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  if (state == NULL) return ERR_OK;
  state->polls = 0;
  if (err == ERR_OK) err = altcp_write(pcb, state->http_request, state->request_len, TCP_WRITE_FLAG_COPY);
  if (err == ERR_OK) err = altcp_output(pcb);
  if (err != ERR_OK) {
    tls_client_done(state, err);
    /* lwIP's TLS layer goes on using the connection after `connected` unless told
       ERR_ABRT: abort rather than close here. */
    altcp_arg(pcb, NULL);
    state->pcb = NULL;
    altcp_abort(pcb);
    return ERR_ABRT;
  }
  return ERR_OK;
}

static err_t tls_client_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  (void)err;
  if (state == NULL) {
    if (p != NULL) pbuf_free(p);
    return ERR_OK;
  }
  if (p == NULL) {
    /* The server closed the connection: with "Connection: close", the response is all here. */
    tls_client_done(state, ERR_OK);
    return tls_client_close(state);
  }
  state->polls = 0;
  for (struct pbuf *q = p; q != NULL; q = q->next) {
    lmw_host_app_data(state->user_id, (const uint8_t *)q->payload, q->len);
  }
  state->bytes_received += p->tot_len;
  altcp_recved(pcb, p->tot_len);
  pbuf_free(p);
  return ERR_OK;
}

static err_t tls_client_sent(void *arg, struct altcp_pcb *pcb, u16_t len) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  (void)pcb;
  if (state != NULL) {
    state->bytes_sent += len;
    state->polls = 0;
  }
  return ERR_OK;
}

/* The connection is gone and lwIP frees the pcb itself: a refusal (ERR_RST), a failed
   handshake (ERR_CLSD; tls_err and verify_flags say why), an abort. */
static void tls_client_err(void *arg, err_t err) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  if (state == NULL) return;
  state->pcb = NULL;
  tls_client_done(state, err);
}

/* Every second; polls in a row without progress count towards the timeout. */
static err_t tls_client_poll(void *arg, struct altcp_pcb *pcb) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  (void)pcb;
  if (state == NULL) return ERR_OK;
  if (++state->polls >= state->max_polls) {
    app_log("https_client: timed out");
    tls_client_done(state, ERR_TIMEOUT);
    return tls_client_close(state);
  }
  return ERR_OK;
}

static void tls_client_connect_to_server_ip(TLS_CLIENT_T *state) {
  err_t err = altcp_connect(state->pcb, &state->addr, state->port, tls_client_connected);
  if (err != ERR_OK) {
    tls_client_done(state, err);
    tls_client_close(state);
  }
}

/* The DNS answer. Its `arg` is the request's user_id, not the state pointer: lwIP has no
   way to cancel a lookup, and an aborted request's state may be gone when it answers. */
static void tls_client_dns_found(const char *name, const ip_addr_t *ipaddr, void *arg) {
  TLS_CLIENT_T *state = tls_client_find((uint32_t)(uintptr_t)arg);
  (void)name;
  if (state == NULL || state->complete) return;
  if (ipaddr == NULL) {
    app_log("https_client: DNS lookup failed");
    tls_client_done(state, ERR_VAL);
    tls_client_close(state);
    return;
  }
  state->addr = *ipaddr;
  state->have_addr = true;
  tls_client_connect_to_server_ip(state);
}

/* ---- the Mbed TLS code behind a failure ------------------------------------------------------ */

/* Undoes a TLS read failure from outside lwIP's receive path (lwIP ignores the failure
   and would leave the connection hanging). */
static void tls_client_read_failed(void *arg) {
  TLS_CLIENT_T *state = (TLS_CLIENT_T *)arg;
  if (state->complete) return;
  tls_client_done(state, ERR_CONN);
  tls_client_close(state);
}

void lmw_app_https_tls_status(mbedtls_ssl_context *ssl, int status, int ret) {
  for (TLS_CLIENT_T *state = clients; state != NULL; state = state->next) {
    if (state->pcb == NULL || altcp_tls_context(state->pcb) != ssl) continue;
    switch (status) {
      case LMW_TLS_STATUS_HANDSHAKE_FAILED:
        state->tls_err = ret;
        state->verify_flags = mbedtls_ssl_get_verify_result(ssl);
        if (state->verify_flags == (uint32_t)-1) state->verify_flags = 0;
        break; /* lwIP calls tls_client_err (ERR_CLSD) next */
      case LMW_TLS_STATUS_READ_FAILED:
        if (state->tls_err == 0 && !state->complete) {
          state->tls_err = ret;
          sys_timeout(0, tls_client_read_failed, state);
        }
        break;
      case LMW_TLS_STATUS_CLOSE_NOTIFY:
        state->close_notify = true;
        break;
    }
    return;
  }
}

/* ---- the exported API (lmw_api.h) -------------------------------------------------------------- */

static bool is_token_text(const char *s) {
  if (s == NULL || *s == '\0') return false;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c <= 0x20 || c >= 0x7f) return false; /* no spaces, CR/LF or control bytes: no header injection */
  }
  return true;
}

static void tls_client_free(TLS_CLIENT_T *state) {
  sys_untimeout(tls_client_report, state);
  sys_untimeout(tls_client_read_failed, state);
  if (state->pcb != NULL) {
    altcp_arg(state->pcb, NULL);
    altcp_abort(state->pcb);
  }
  if (state->config != NULL) altcp_tls_free_config(state->config);
  for (TLS_CLIENT_T **pp = &clients; *pp != NULL; pp = &(*pp)->next) {
    if (*pp == state) {
      *pp = state->next;
      break;
    }
  }
  free(state->hostname);
  free(state->http_request);
  free(state);
}

/* The configuration: the Pico way (lwIP parses the CA), verified unless `insecure`. */
static void tls_client_configure(TLS_CLIENT_T *state, const uint8_t *ca_pem, size_t ca_len, int insecure) {
  state->config = altcp_tls_create_config_client(ca_len > 0 ? ca_pem : NULL, ca_len);
  if (state->config == NULL) {
    /* lwIP drops the reason: parse again to learn it (a bad CA is the usual one). */
    mbedtls_x509_crt probe;
    mbedtls_x509_crt_init(&probe);
    int ret = ca_len > 0 ? mbedtls_x509_crt_parse(&probe, ca_pem, ca_len) : 0;
    mbedtls_x509_crt_free(&probe);
    state->tls_err = ret < 0 ? ret : ret > 0 ? MBEDTLS_ERR_X509_INVALID_FORMAT : 0;
    tls_client_done(state, ret != 0 ? ERR_ARG : ERR_MEM);
    return;
  }
  if (insecure) {
    /* ------------------------------------------------------------------------------------
     * INSECURE: certificate verification OFF (the Pico example's behaviour, curl's -k).
     * Anyone on the path can impersonate the server and read and change the traffic.
     * Only for testing against a server whose certificate cannot be checked.
     * ------------------------------------------------------------------------------------ */
    mbedtls_ssl_conf_authmode(lmw_altcp_tls_ssl_config(state->config), MBEDTLS_SSL_VERIFY_NONE);
    app_log("https_client: WARNING: certificate verification is OFF (insecure)");
  }
  /* Otherwise verification stays MBEDTLS_SSL_VERIFY_REQUIRED (lwipopts.h). */
}

static bool tls_client_open(TLS_CLIENT_T *state, const char *connect_ip) {
  state->pcb = altcp_tls_new(state->config, IPADDR_TYPE_ANY);
  if (state->pcb == NULL) {
    tls_client_done(state, ERR_MEM);
    return false;
  }
  altcp_arg(state->pcb, state);
  altcp_poll(state->pcb, tls_client_poll, POLL_INTERVAL_TICKS);
  altcp_recv(state->pcb, tls_client_recv);
  altcp_err(state->pcb, tls_client_err);
  altcp_sent(state->pcb, tls_client_sent);

  /* SNI, and the name the certificate must carry (Mbed TLS 3.6 refuses to verify without). */
  int ret = mbedtls_ssl_set_hostname((mbedtls_ssl_context *)altcp_tls_context(state->pcb), state->hostname);
  if (ret != 0) {
    state->tls_err = ret;
    tls_client_done(state, ERR_ARG);
    tls_client_close(state);
    return false;
  }

  if (connect_ip != NULL && *connect_ip != '\0') {
    if (!ipaddr_aton(connect_ip, &state->addr)) {
      tls_client_done(state, ERR_ARG);
      tls_client_close(state);
      return false;
    }
    state->have_addr = true;
    tls_client_connect_to_server_ip(state);
    return true;
  }
  err_t err = dns_gethostbyname(state->hostname, &state->addr, tls_client_dns_found, (void *)(uintptr_t)state->user_id);
  if (err == ERR_OK) {
    /* an address literal, or a name in lwIP's cache */
    state->have_addr = true;
    tls_client_connect_to_server_ip(state);
  } else if (err != ERR_INPROGRESS) {
    tls_client_done(state, ERR_VAL);
    tls_client_close(state);
    return false;
  }
  return true;
}

int lmw_app_https_get(uint32_t user_id, const char *host, const char *connect_ip, uint16_t port, const char *path,
                      const uint8_t *ca_pem, size_t ca_len, int insecure, uint32_t timeout_ms) {
  if (!is_token_text(host) || !is_token_text(path) || path[0] != '/' || port == 0) return ERR_ARG;
  if (ca_len > 0 && ca_pem == NULL) return ERR_ARG;
  if (tls_client_find(user_id) != NULL) return ERR_ALREADY;

  TLS_CLIENT_T *state = (TLS_CLIENT_T *)calloc(1, sizeof *state);
  if (state == NULL) return ERR_MEM;
  state->user_id = user_id;
  state->port = port;
  if (timeout_ms == 0) timeout_ms = DEFAULT_TIMEOUT_MS;
  state->max_polls = (int)((timeout_ms + POLL_PERIOD_MS - 1) / POLL_PERIOD_MS);
  state->hostname = strdup(host);
  char *request = (char *)malloc(MAX_REQUEST_LEN);
  int n = -1;
  if (request != NULL) {
    /* The Host header carries the port when it is not the default (RFC 9110 7.2). */
    char port_text[8] = "";
    if (port != 443) snprintf(port_text, sizeof port_text, ":%u", (unsigned)port);
    n = snprintf(request, MAX_REQUEST_LEN, "GET %s HTTP/1.1\r\nHost: %s%s\r\nConnection: close\r\n\r\n", path, host,
                 port_text);
  }
  state->http_request = request;
  if (state->hostname == NULL || request == NULL || n < 0 || n >= MAX_REQUEST_LEN) {
    int status = (state->hostname == NULL || request == NULL) ? ERR_MEM : ERR_ARG;
    free(state->hostname);
    free(request);
    free(state);
    return status;
  }
  state->request_len = (u16_t)n;
  state->next = clients;
  clients = state;

  /* From here on every outcome, failures included, arrives as LMW_EV_APP_DONE. */
  tls_client_configure(state, ca_pem, ca_len, insecure);
  if (!state->complete) (void)tls_client_open(state, connect_ip);
  return ERR_OK;
}

int lmw_app_result(uint32_t user_id, int *tls_err, uint32_t *verify_flags, char *remote, size_t remote_cap) {
  TLS_CLIENT_T *state = tls_client_find(user_id);
  if (state == NULL) return ERR_ARG;
  if (!state->reported) return ERR_INPROGRESS;
  if (tls_err) *tls_err = state->tls_err;
  if (verify_flags) *verify_flags = state->verify_flags;
  if (remote && remote_cap > 0) {
    remote[0] = '\0';
    if (state->have_addr) {
      char ip[IPADDR_STRLEN_MAX];
      snprintf(remote, remote_cap, "%s:%u", ipaddr_ntoa_r(&state->addr, ip, sizeof ip), (unsigned)state->port);
    }
  }
  int status = state->error;
  tls_client_free(state);
  return status;
}

int lmw_app_abort(uint32_t user_id) {
  TLS_CLIENT_T *state = tls_client_find(user_id);
  if (state == NULL) return ERR_ARG;
  if (state->complete) return ERR_OK;
  tls_client_done(state, ERR_ABRT);
  if (state->pcb != NULL) {
    struct altcp_pcb *pcb = state->pcb;
    state->pcb = NULL;
    altcp_arg(pcb, NULL);
    altcp_abort(pcb); /* a RST: the request is abandoned, not finished */
  }
  return ERR_OK;
}
