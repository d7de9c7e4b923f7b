/* lmw_api.h, TLS configuration: client and server configs over lwIP's altcp_tls_config,
 * their roots, own certificate, versions, ALPN, suites, and the NSS key log
 * (TS: ts-bindings/src/device/tls-config.ts). Return values are Mbed TLS codes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp_tls.h"

#include "mbedtls/asn1.h"
#include "mbedtls/error.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"
#include "mbedtls/x509_crt.h"

#include "host.h"
#include "lmw_internal.h"
#include "lmw_tls_hooks.h"

static lmw_tls_config *tls_config_alloc(int is_server) {
  lmw_tls_config *cfg = (lmw_tls_config *)calloc(1, sizeof *cfg);
  if (cfg == NULL) return NULL;
  cfg->is_server = is_server;
  mbedtls_x509_crt_init(&cfg->ca);
  mbedtls_x509_crt_init(&cfg->own_cert);
  mbedtls_pk_init(&cfg->own_key);
  return cfg;
}

/* Mbed TLS parses PEM only when the terminating NUL is inside the length, and DER only
   without one. Returns `data`, or (for PEM without its NUL) a terminated copy in *copy,
   which the caller zeroes and frees; *len is adjusted. NULL when out of memory. */
static const uint8_t *pem_terminated(const uint8_t *data, size_t *len, uint8_t **copy) {
  *copy = NULL;
  size_t n = *len;
  if (n == 0 || data[n - 1] == '\0' || memchr(data, '-', n < 64 ? n : 64) == NULL) return data;
  *copy = (uint8_t *)malloc(n + 1);
  if (*copy == NULL) return NULL;
  memcpy(*copy, data, n);
  (*copy)[n] = '\0';
  *len = n + 1;
  return *copy;
}

static void free_copy(uint8_t *copy, size_t len) {
  if (copy == NULL) return;
  mbedtls_platform_zeroize(copy, len); /* it may be a private key */
  free(copy);
}

/* Concatenated DER certificates (the bundled roots): each parsed on its own, like PEM
   bundles (mbedtls_x509_crt_parse reads one DER certificate only). Returns the number
   that failed, or a negative error if none parsed or the framing is broken. */
static int parse_der_crts(mbedtls_x509_crt *chain, const uint8_t *p, size_t len) {
  int failed = 0, parsed = 0;
  while (len > 0) {
    const uint8_t *start = p;
    unsigned char *q = (unsigned char *)p;
    size_t body;
    if (mbedtls_asn1_get_tag(&q, q + len, &body, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) != 0) {
      return parsed ? failed + 1 : MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    size_t whole = (size_t)(q - start) + body;
    if (mbedtls_x509_crt_parse_der(chain, start, whole) == 0) parsed++;
    else failed++;
    p = start + whole;
    len -= whole;
  }
  return parsed ? failed : MBEDTLS_ERR_X509_INVALID_FORMAT;
}

static int parse_crts(mbedtls_x509_crt *chain, const uint8_t *data, size_t len) {
  /* Two or more DER certificates back to back (a single one Mbed TLS reads as it is). */
  if (len > 4 && data[0] == 0x30) {
    unsigned char *q = (unsigned char *)data;
    size_t body;
    if (mbedtls_asn1_get_tag(&q, q + len, &body, MBEDTLS_ASN1_CONSTRUCTED | MBEDTLS_ASN1_SEQUENCE) == 0 &&
        (size_t)(q - data) + body < len) {
      return parse_der_crts(chain, data, len);
    }
  }
  uint8_t *copy;
  const uint8_t *in = pem_terminated(data, &len, &copy);
  if (in == NULL) return MBEDTLS_ERR_X509_ALLOC_FAILED;
  int ret = mbedtls_x509_crt_parse(chain, in, len);
  free_copy(copy, len);
  return ret;
}

static int parse_key(mbedtls_pk_context *pk, const uint8_t *data, size_t len) {
  uint8_t *copy;
  const uint8_t *in = pem_terminated(data, &len, &copy);
  if (in == NULL) return MBEDTLS_ERR_PK_ALLOC_FAILED;
  int ret = mbedtls_pk_parse_key(pk, in, len, NULL, 0, lmw_altcp_tls_random, NULL);
  free_copy(copy, len);
  return ret;
}

int lmw_tls_config_client(const uint8_t *ca, size_t ca_len, int *skipped, lmw_tls_config **out) {
  *out = NULL;
  if (skipped) *skipped = 0;
  lmw_tls_config *cfg = tls_config_alloc(0);
  if (cfg == NULL) return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  cfg->alt = altcp_tls_create_config_client(NULL, 0);
  if (cfg->alt == NULL) {
    lmw_tls_config_free(cfg);
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  if (ca_len > 0) {
    /* lwIP's own CA parse fails the whole config if one root of a bundle does not parse;
       a bundle of public roots may hold a few Mbed TLS cannot read, so count and skip. */
    int ret = parse_crts(&cfg->ca, ca, ca_len);
    if (ret < 0 || cfg->ca.raw.len == 0) {
      lmw_tls_config_free(cfg);
      return ret < 0 ? ret : MBEDTLS_ERR_X509_INVALID_FORMAT;
    }
    if (skipped) *skipped = ret;
    mbedtls_ssl_conf_ca_chain(lmw_altcp_tls_ssl_config(cfg->alt), &cfg->ca, NULL);
  }
  /* Keep TLS 1.3 tickets for resumption (Mbed TLS ignores them by default). */
  mbedtls_ssl_conf_tls13_enable_signal_new_session_tickets(lmw_altcp_tls_ssl_config(cfg->alt),
                                                           MBEDTLS_SSL_TLS1_3_SIGNAL_NEW_SESSION_TICKETS_ENABLED);
  *out = cfg;
  return 0;
}

int lmw_tls_config_server(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                          lmw_tls_config **out) {
  *out = NULL;
  lmw_tls_config *cfg = tls_config_alloc(1);
  if (cfg == NULL) return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  int ret;
  cfg->alt = altcp_tls_create_config_server(0);
  if (cfg->alt == NULL) {
    ret = MBEDTLS_ERR_SSL_ALLOC_FAILED;
    goto fail;
  }
  /* Parsed here rather than by lwIP so the caller learns the Mbed TLS reason. */
  ret = parse_crts(&cfg->own_cert, cert, cert_len);
  if (ret != 0) goto fail;
  ret = parse_key(&cfg->own_key, key, key_len);
  if (ret != 0) goto fail;
  ret = mbedtls_ssl_conf_own_cert(lmw_altcp_tls_ssl_config(cfg->alt), &cfg->own_cert, &cfg->own_key);
  if (ret != 0) goto fail;
  /* lwipopts' REQUIRED is for clients checking servers; a server asks for no client
     certificate unless told to (lmw_tls_config_set_verify). */
  mbedtls_ssl_conf_authmode(lmw_altcp_tls_ssl_config(cfg->alt), MBEDTLS_SSL_VERIFY_NONE);
  *out = cfg;
  return 0;
fail:
  lmw_tls_config_free(cfg);
  return ret;
}

int lmw_tls_config_set_verify(lmw_tls_config *cfg, int mode) {
  static const int modes[] = {MBEDTLS_SSL_VERIFY_NONE, MBEDTLS_SSL_VERIFY_OPTIONAL, MBEDTLS_SSL_VERIFY_REQUIRED};
  if (mode < 0 || mode > 2) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  mbedtls_ssl_conf_authmode(lmw_altcp_tls_ssl_config(cfg->alt), modes[mode]);
  return 0;
}

int lmw_tls_config_set_versions(lmw_tls_config *cfg, int min_version, int max_version) {
  mbedtls_ssl_config *conf = lmw_altcp_tls_ssl_config(cfg->alt);
  for (int i = 0; i < 2; i++) {
    int v = i == 0 ? min_version : max_version;
    if (v != 0 && v != MBEDTLS_SSL_VERSION_TLS1_2 && v != MBEDTLS_SSL_VERSION_TLS1_3) {
      return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
  }
  if (min_version && max_version && min_version > max_version) return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  if (min_version) mbedtls_ssl_conf_min_tls_version(conf, (mbedtls_ssl_protocol_version)min_version);
  if (max_version) mbedtls_ssl_conf_max_tls_version(conf, (mbedtls_ssl_protocol_version)max_version);
  return 0;
}

/* Splits a comma-separated list: *items points into *copy, NULL-terminated, empty items
   skipped (strtok). Both are the caller's to free; on failure both are NULL. */
static int split_list(const char *text, char **copy, const char ***items, size_t *count) {
  size_t n = 1;
  for (const char *s = text; *s; s++) n += *s == ',';
  *count = 0;
  *copy = strdup(text);
  *items = (const char **)calloc(n + 1, sizeof **items);
  if (*copy == NULL || *items == NULL) {
    free(*copy);
    free((void *)*items);
    *copy = NULL;
    *items = NULL;
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  for (char *tok = strtok(*copy, ","); tok != NULL; tok = strtok(NULL, ",")) (*items)[(*count)++] = tok;
  return 0;
}

int lmw_tls_config_set_alpn(lmw_tls_config *cfg, const char *protocols) {
  char *storage;
  const char **list;
  size_t count;
  int ret = split_list(protocols, &storage, &list, &count);
  if (ret != 0) return ret;
  for (size_t i = 0; i < count && ret == 0; i++) {
    if (strlen(list[i]) > 255) ret = MBEDTLS_ERR_SSL_BAD_INPUT_DATA; /* a protocol name is 1-255 bytes */
  }
  if (ret == 0) ret = mbedtls_ssl_conf_alpn_protocols(lmw_altcp_tls_ssl_config(cfg->alt), count ? list : NULL);
  if (ret != 0) {
    free(storage);
    free(list);
    return ret;
  }
  free(cfg->alpn_storage);
  free(cfg->alpn_list);
  cfg->alpn_storage = storage;
  cfg->alpn_list = list;
  return 0;
}

int lmw_tls_config_set_ciphersuites(lmw_tls_config *cfg, const char *names) {
  char *copy;
  const char **list;
  size_t count;
  int ret = split_list(names, &copy, &list, &count);
  if (ret != 0) return ret;
  int *suites = (int *)calloc(count + 1, sizeof *suites);
  if (suites == NULL) ret = MBEDTLS_ERR_SSL_ALLOC_FAILED;
  else if (count == 0) ret = MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  for (size_t i = 0; i < count && ret == 0; i++) {
    suites[i] = mbedtls_ssl_get_ciphersuite_id(list[i]);
    if (suites[i] == 0) ret = MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
  }
  free(copy);
  free(list);
  if (ret != 0) {
    free(suites);
    return ret;
  }
  mbedtls_ssl_conf_ciphersuites(lmw_altcp_tls_ssl_config(cfg->alt), suites);
  free(cfg->suites);
  cfg->suites = suites;
  return 0;
}

int lmw_tls_config_set_client_cert(lmw_tls_config *cfg, const uint8_t *cert, size_t cert_len, const uint8_t *key,
                                   size_t key_len) {
  mbedtls_x509_crt_free(&cfg->own_cert);
  mbedtls_pk_free(&cfg->own_key);
  mbedtls_x509_crt_init(&cfg->own_cert);
  mbedtls_pk_init(&cfg->own_key);
  int ret = parse_crts(&cfg->own_cert, cert, cert_len);
  if (ret == 0) ret = parse_key(&cfg->own_key, key, key_len);
  if (ret == 0) ret = mbedtls_ssl_conf_own_cert(lmw_altcp_tls_ssl_config(cfg->alt), &cfg->own_cert, &cfg->own_key);
  return ret;
}

int lmw_tls_config_set_keylog(lmw_tls_config *cfg, int on) {
  cfg->keylog = on != 0;
  return 0;
}

void lmw_tls_config_free(lmw_tls_config *cfg) {
  if (cfg == NULL) return;
  if (cfg->alt) altcp_tls_free_config(cfg->alt);
  mbedtls_x509_crt_free(&cfg->ca);
  mbedtls_x509_crt_free(&cfg->own_cert);
  mbedtls_pk_free(&cfg->own_key);
  free(cfg->alpn_storage);
  free(cfg->alpn_list);
  free(cfg->suites);
  free(cfg);
}

/* ---- the NSS key log (Wireshark reads it) ---- */

static void keylog_write(const char *line, size_t len) {
  lmw_host_log(LMW_LOG_KEYLOG, line, len);
}
static const lmw_tls_keylog_sink keylog_sink = {keylog_write};

void lmw_tls_config_attach(lmw_tls_config *cfg, mbedtls_ssl_context *ssl) {
  if (cfg->keylog && ssl) lmw_tls_keylog_attach(ssl, &keylog_sink);
}
