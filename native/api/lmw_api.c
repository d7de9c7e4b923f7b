/* lwip-mbedtls-wasm: the exported C API (see lmw_api.h for conventions and ownership). */
#include "lmw_api.h"

#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"
#include "netif/ethernet.h"

#include "mbedtls/asn1.h"
#include "mbedtls/base64.h"
#include "mbedtls/debug.h"
#include "mbedtls/error.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/ssl.h"
#include "mbedtls/ssl_ciphersuites.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include "host.h"
#include "lmw_tls_hooks.h"
#include "lmw_internal.h"
#include "router.h"
#include "https_client.h" /* the book's HTTPS client: lmw_app_https_tls_status */

unsigned char lmw_lwip_debug_types; /* LWIP_DBG_TYPES_ON (lwipopts.h) */

/* ==== life cycle ======================================================================= */

extern mbedtls_time_t lmw_mbedtls_time(mbedtls_time_t *timer);

static int initialised;

int lmw_init(void) {
  if (initialised) return ERR_OK;
  mbedtls_platform_set_time(lmw_mbedtls_time);
  /* TLS 1.3 (and TLS 1.2 with PSA) needs PSA initialised once; the user never has to. */
  if (psa_crypto_init() != PSA_SUCCESS) return ERR_IF;
  lwip_init();
  initialised = 1;
  return ERR_OK;
}

uint32_t lmw_timers_run(void) {
  sys_check_timeouts();
  return sys_timeouts_sleeptime();
}

#include "mbedtls/aes.h"
#include "mbedtls/base64.h"
#include "mbedtls/bignum.h"
#include "mbedtls/chacha20.h"
#include "mbedtls/chachapoly.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/entropy.h"
#include "mbedtls/gcm.h"
#include "mbedtls/hmac_drbg.h"
#include "mbedtls/poly1305.h"
#include "mbedtls/rsa.h"
#include "mbedtls/sha1.h"
#include "mbedtls/sha256.h"
#include "mbedtls/sha512.h"

int lmw_selftest(int verbose) {
#if !defined(MBEDTLS_SELF_TEST)
  if (verbose) printf("  [ self-tests not built in (MBEDTLS_SELF_TEST is off) ]\n");
  return -1;
#else
  static const struct {
    const char *name;
    int (*fn)(int);
  } tests[] = {
      {"sha1", mbedtls_sha1_self_test},         {"sha224", mbedtls_sha224_self_test},
      {"sha256", mbedtls_sha256_self_test},     {"sha384", mbedtls_sha384_self_test},
      {"sha512", mbedtls_sha512_self_test},     {"aes", mbedtls_aes_self_test},
      {"gcm", mbedtls_gcm_self_test},           {"chacha20", mbedtls_chacha20_self_test},
      {"poly1305", mbedtls_poly1305_self_test}, {"chachapoly", mbedtls_chachapoly_self_test},
      {"base64", mbedtls_base64_self_test},     {"mpi", mbedtls_mpi_self_test},
      {"rsa", mbedtls_rsa_self_test},           {"ecp", mbedtls_ecp_self_test},
      {"ctr_drbg", mbedtls_ctr_drbg_self_test}, {"hmac_drbg", mbedtls_hmac_drbg_self_test},
      {"entropy", mbedtls_entropy_self_test},
  };
  int failed = 0;
  lmw_init();
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    int ret = tests[i].fn(verbose);
    if (ret != 0) failed++;
    if (verbose) printf("  %s: %s\n", tests[i].name, ret == 0 ? "passed" : "FAILED");
  }
  if (verbose) printf("  [ %s: %d of %d self-tests failed ]\n", failed ? "FAIL" : "OK", failed,
                      (int)(sizeof tests / sizeof tests[0]));
  fflush(stdout);
  return failed;
#endif
}

extern int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

int lmw_entropy_poll(uint8_t *buf, size_t len, size_t *olen) {
  return mbedtls_hardware_poll(NULL, buf, len, olen) == 0 ? ERR_OK : ERR_IF;
}

size_t lmw_heap_in_use(void) {
#if defined(__GLIBC__)
  struct mallinfo2 mi = mallinfo2();
#else
  struct mallinfo mi = mallinfo();
#endif
  return (size_t)mi.uordblks;
}

uint32_t lmw_assert_count(void) {
  return lmw_host_assert_count();
}

/* Every TLS config's debug callback (native/tls/altcp_tls_36.c routes lwIP's there too). */
void lmw_mbedtls_debug(void *ctx, int level, const char *file, int line, const char *str) {
  (void)ctx;
  char text[600];
  const char *base = strrchr(file, '/');
  int n = snprintf(text, sizeof text, "%d %s:%d: %s", level, base ? base + 1 : file, line, str);
  if (n <= 0) return;
  size_t len = (size_t)n < sizeof text ? (size_t)n : sizeof text - 1;
  while (len > 0 && text[len - 1] == '\n') len--;
  lmw_host_log(LMW_LOG_MBEDTLS, text, len);
}

static int mbedtls_debug_level;

void lmw_set_debug(int lwip_on, int mbedtls_level) {
  lmw_lwip_debug_types = lwip_on ? LWIP_DBG_ON : 0;
  mbedtls_debug_level = mbedtls_level < 0 ? 0 : mbedtls_level > 4 ? 4 : mbedtls_level;
#if defined(MBEDTLS_DEBUG_C)
  mbedtls_debug_set_threshold(mbedtls_debug_level);
#endif
}

const char *lmw_version(void) {
  return "lwIP " LWIP_VERSION_STRING ", Mbed TLS " MBEDTLS_VERSION_STRING;
}

int32_t lmw_constant(const char *name) {
  static const struct {
    const char *name;
    int32_t value;
  } constants[] = {
      {"TCP_MSS", TCP_MSS},
      {"TCP_WND", TCP_WND},
      {"TCP_SND_BUF", TCP_SND_BUF},
      {"MTU", 1500},
      {"FAST_LINK_MTU", LMW_FAST_LINK_MTU},
      {"TLS_IN_CONTENT_LEN", MBEDTLS_SSL_IN_CONTENT_LEN},
      {"TLS_OUT_CONTENT_LEN", MBEDTLS_SSL_OUT_CONTENT_LEN},
      {"ROUTER_TCP_PORT", LMW_ROUTER_TCP_PORT},
      {"TLS1_2", MBEDTLS_SSL_VERSION_TLS1_2},
      {"TLS1_3", MBEDTLS_SSL_VERSION_TLS1_3},
      {"X509_BADCERT_EXPIRED", MBEDTLS_X509_BADCERT_EXPIRED},
      {"X509_BADCERT_REVOKED", MBEDTLS_X509_BADCERT_REVOKED},
      {"X509_BADCERT_CN_MISMATCH", MBEDTLS_X509_BADCERT_CN_MISMATCH},
      {"X509_BADCERT_NOT_TRUSTED", MBEDTLS_X509_BADCERT_NOT_TRUSTED},
      {"X509_BADCERT_MISSING", MBEDTLS_X509_BADCERT_MISSING},
      {"X509_BADCERT_SKIP_VERIFY", MBEDTLS_X509_BADCERT_SKIP_VERIFY},
      {"X509_BADCERT_OTHER", MBEDTLS_X509_BADCERT_OTHER},
      {"X509_BADCERT_FUTURE", MBEDTLS_X509_BADCERT_FUTURE},
      {"X509_BADCERT_KEY_USAGE", MBEDTLS_X509_BADCERT_KEY_USAGE},
      {"X509_BADCERT_EXT_KEY_USAGE", MBEDTLS_X509_BADCERT_EXT_KEY_USAGE},
      {"X509_BADCERT_NS_CERT_TYPE", MBEDTLS_X509_BADCERT_NS_CERT_TYPE},
      {"X509_BADCERT_BAD_MD", MBEDTLS_X509_BADCERT_BAD_MD},
      {"X509_BADCERT_BAD_PK", MBEDTLS_X509_BADCERT_BAD_PK},
      {"X509_BADCERT_BAD_KEY", MBEDTLS_X509_BADCERT_BAD_KEY},
  };
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
    if (strcmp(constants[i].name, name) == 0) return constants[i].value;
  }
  return -1;
}

static int32_t count_pcbs(struct tcp_pcb *pcb) {
  int32_t n = 0;
  for (; pcb != NULL; pcb = pcb->next) n++;
  return n;
}

int32_t lmw_stat(const char *name) {
  if (strcmp(name, "tcp_active") == 0) return count_pcbs(tcp_active_pcbs);
  if (strcmp(name, "tcp_time_wait") == 0) return count_pcbs(tcp_tw_pcbs);
  if (strcmp(name, "tcp_listen") == 0) return count_pcbs(tcp_listen_pcbs.pcbs);
  if (strcmp(name, "udp_pcbs") == 0) {
    int32_t n = 0;
    for (struct udp_pcb *u = udp_pcbs; u != NULL; u = u->next) n++;
    return n;
  }
  if (strcmp(name, "conns") == 0) return (int32_t)lmw_conn_count();
#if MEMP_STATS
  if (strcmp(name, "memp_errors") == 0) {
    int32_t n = 0;
    for (int i = 0; i < MEMP_MAX; i++) n += (int32_t)lwip_stats.memp[i]->err;
    return n;
  }
#endif
  if (strcmp(name, "asserts") == 0) return (int32_t)lmw_host_assert_count();
  return -1;
}

/* ==== network interface ================================================================ */

struct lmw_netif {
  struct netif nif;
  uint32_t link_id;
  uint8_t *frame;      /* one outgoing frame, linearised: mtu + Ethernet header bytes */
  uint16_t frame_cap;
};

static err_t netif_linkoutput(struct netif *netif, struct pbuf *p) {
  lmw_netif *n = (lmw_netif *)netif->state;
  if (p->tot_len > n->frame_cap) return ERR_BUF;
  u16_t len = pbuf_copy_partial(p, n->frame, p->tot_len, 0);
  lmw_router_output(n, n->frame, len);
  LINK_STATS_INC(link.xmit);
  lmw_host_link_output(n->link_id, n->frame, len);
  return ERR_OK;
}

static err_t netif_init_cb(struct netif *netif) {
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->mtu = 1500;
  netif->hwaddr_len = ETH_HWADDR_LEN;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  netif->output = etharp_output;
  netif->linkoutput = netif_linkoutput;
  return ERR_OK;
}

int lmw_netif_add(uint32_t link_id, const uint8_t *mac6, const char *ip, const char *netmask, const char *gateway,
                  int is_default, lmw_netif **out) {
  ip4_addr_t a, m, g;
  *out = NULL;
  if (!ip4addr_aton(ip, &a) || !ip4addr_aton(netmask, &m) || !ip4addr_aton(gateway ? gateway : "0.0.0.0", &g)) {
    return ERR_ARG;
  }
  lmw_netif *n = (lmw_netif *)calloc(1, sizeof *n);
  if (n == NULL) return ERR_MEM;
  n->frame_cap = 1500 + SIZEOF_ETH_HDR;
  n->frame = (uint8_t *)malloc(n->frame_cap);
  if (n->frame == NULL) {
    free(n);
    return ERR_MEM;
  }
  n->link_id = link_id;
  memcpy(n->nif.hwaddr, mac6, ETH_HWADDR_LEN);
  if (netif_add(&n->nif, &a, &m, &g, n, netif_init_cb, ethernet_input) == NULL) {
    free(n->frame);
    free(n);
    return ERR_IF;
  }
  memcpy(n->nif.hwaddr, mac6, ETH_HWADDR_LEN);
  netif_set_up(&n->nif);
  netif_set_link_up(&n->nif);
  if (is_default) netif_set_default(&n->nif);
  *out = n;
  return ERR_OK;
}

int lmw_netif_set_link(lmw_netif *n, uint32_t mtu, int checksums) {
  if (mtu < 576 || mtu > LMW_FAST_LINK_MTU) return ERR_ARG;
  if (mtu + SIZEOF_ETH_HDR > n->frame_cap) {
    uint8_t *frame = (uint8_t *)realloc(n->frame, mtu + SIZEOF_ETH_HDR);
    if (frame == NULL) return ERR_MEM;
    n->frame = frame;
    n->frame_cap = (uint16_t)(mtu + SIZEOF_ETH_HDR);
  }
  n->nif.mtu = (u16_t)mtu;
  NETIF_SET_CHECKSUM_CTRL(&n->nif, checksums ? NETIF_CHECKSUM_ENABLE_ALL : NETIF_CHECKSUM_DISABLE_ALL);
  return ERR_OK;
}

int lmw_netif_input(lmw_netif *n, uint8_t *frame, size_t len) {
  if (len == 0 || len > 0xFFFF) return ERR_ARG;
  if (lmw_router_input(n, frame, len)) return ERR_OK;
  /* Frames above a pool buffer come in one piece rather than a chain of pool buffers. */
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, len > PBUF_POOL_BUFSIZE ? PBUF_RAM : PBUF_POOL);
  if (p == NULL) return ERR_MEM;
  pbuf_take(p, frame, (u16_t)len);
  LINK_STATS_INC(link.recv);
  err_t err = n->nif.input(p, &n->nif);
  if (err != ERR_OK) pbuf_free(p);
  return err;
}

void lmw_netif_free(lmw_netif *n) {
  if (n == NULL) return;
  lmw_router_disable_for(n);
  netif_remove(&n->nif);
  free(n->frame);
  free(n);
}

struct netif *lmw_netif_lwip(lmw_netif *n) {
  return &n->nif;
}

uint32_t lmw_netif_link_id(lmw_netif *n) {
  return n->link_id;
}

int lmw_dns_set_server(int index, const char *ip) {
  ip_addr_t a;
  if (index < 0 || index >= DNS_MAX_SERVERS || !ipaddr_aton(ip, &a)) return ERR_ARG;
  dns_setserver((u8_t)index, &a);
  return ERR_OK;
}

/* ==== DNS ================================================================================ */

struct dns_result {
  struct dns_result *next;
  uint32_t user_id;
  int done;
  int found;
  ip_addr_t addr;
};
static struct dns_result *dns_results;

static struct dns_result *dns_find(uint32_t user_id) {
  for (struct dns_result *r = dns_results; r != NULL; r = r->next) {
    if (r->user_id == user_id) return r;
  }
  return NULL;
}

static void dns_found_cb(const char *name, const ip_addr_t *addr, void *arg) {
  (void)name;
  struct dns_result *r = dns_find((uint32_t)(uintptr_t)arg);
  if (r == NULL) return;
  r->done = 1;
  r->found = addr != NULL;
  if (addr) r->addr = *addr;
  lmw_host_event(r->user_id, LMW_EV_DNS, addr ? ERR_OK : ERR_VAL);
}

int lmw_dns_lookup(uint32_t user_id, const char *name) {
  if (dns_find(user_id) != NULL) return ERR_INPROGRESS;
  struct dns_result *r = (struct dns_result *)calloc(1, sizeof *r);
  if (r == NULL) return ERR_MEM;
  r->user_id = user_id;
  r->next = dns_results;
  dns_results = r;
  err_t err = dns_gethostbyname(name, &r->addr, dns_found_cb, (void *)(uintptr_t)user_id);
  if (err == ERR_OK) {
    r->done = 1;
    r->found = 1;
  } else if (err != ERR_INPROGRESS) {
    r->done = 1;
  }
  return err;
}

int lmw_dns_result(uint32_t user_id, char *buf, size_t cap) {
  struct dns_result **pp = &dns_results;
  while (*pp != NULL && (*pp)->user_id != user_id) pp = &(*pp)->next;
  struct dns_result *r = *pp;
  if (r == NULL || !r->done) return ERR_INPROGRESS;
  int status = r->found ? ERR_OK : ERR_VAL;
  if (r->found && ipaddr_ntoa_r(&r->addr, buf, (int)cap) == NULL) status = ERR_BUF;
  *pp = r->next;
  free(r);
  return status;
}

/* ==== TLS configuration ================================================================ */

struct lmw_tls_config {
  struct altcp_tls_config *alt;
  int is_server;
  int keylog;
  mbedtls_x509_crt ca;
  mbedtls_x509_crt own_cert;
  mbedtls_pk_context own_key;
  char *alpn_storage;
  const char **alpn_list;
  int *suites;
};

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

int lmw_tls_config_set_alpn(lmw_tls_config *cfg, const char *protocols) {
  size_t n = 1;
  for (const char *s = protocols; *s; s++) n += *s == ',';
  char *storage = strdup(protocols);
  const char **list = (const char **)calloc(n + 1, sizeof *list);
  if (storage == NULL || list == NULL) {
    free(storage);
    free(list);
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  size_t count = 0;
  for (char *tok = strtok(storage, ","); tok != NULL; tok = strtok(NULL, ",")) {
    if (strlen(tok) == 0 || strlen(tok) > 255) {
      free(storage);
      free(list);
      return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    list[count++] = tok;
  }
  int ret = mbedtls_ssl_conf_alpn_protocols(lmw_altcp_tls_ssl_config(cfg->alt), count ? list : NULL);
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
  size_t n = 1;
  for (const char *s = names; *s; s++) n += *s == ',';
  int *suites = (int *)calloc(n + 1, sizeof *suites);
  char *copy = strdup(names);
  if (suites == NULL || copy == NULL) {
    free(suites);
    free(copy);
    return MBEDTLS_ERR_SSL_ALLOC_FAILED;
  }
  size_t count = 0;
  for (char *tok = strtok(copy, ","); tok != NULL; tok = strtok(NULL, ",")) {
    int id = mbedtls_ssl_get_ciphersuite_id(tok);
    if (id == 0) {
      free(suites);
      free(copy);
      return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
    }
    suites[count++] = id;
  }
  free(copy);
  if (count == 0) {
    free(suites);
    return MBEDTLS_ERR_SSL_BAD_INPUT_DATA;
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

/* ==== connections ====================================================================== */

struct lmw_conn {
  struct lmw_conn *next_all; /* every live handle, to map an ssl context back */
  uint32_t user_id;
  struct altcp_pcb *pcb;
  lmw_tls_config *tls;
  struct pbuf *rx; /* received, not yet read */
  u16_t rx_off;    /* bytes of rx already read */
  uint8_t eof, failed, closing, aborting, listener;
  int err;
  int tls_err;
  uint32_t verify_flags;
  char *hostname; /* TLS: SNI and name check, given to Mbed TLS at connect */
  lmw_tls_session *offer; /* TLS: session to resume, given to Mbed TLS at connect (borrowed) */
  /* listener: accepted, not yet taken by lmw_conn_accept */
  struct lmw_conn *pending_head, *pending_tail, *next_pending;
  size_t pending_count;
};

static lmw_conn *all_conns;

/* Bytes queued for lmw_conn_read. */
static size_t conn_readable(const lmw_conn *c) {
  return c->rx ? (size_t)(c->rx->tot_len - c->rx_off) : 0;
}

size_t lmw_conn_count(void) {
  size_t n = 0;
  for (lmw_conn *c = all_conns; c != NULL; c = c->next_all) n++;
  return n;
}

static lmw_conn *conn_alloc(uint32_t user_id, lmw_tls_config *tls) {
  lmw_conn *c = (lmw_conn *)calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->user_id = user_id;
  c->tls = tls;
  c->next_all = all_conns;
  all_conns = c;
  return c;
}

static void conn_unlink(lmw_conn *c) {
  for (lmw_conn **pp = &all_conns; *pp != NULL; pp = &(*pp)->next_all) {
    if (*pp == c) {
      *pp = c->next_all;
      return;
    }
  }
}

void lmw_tls_on_status(mbedtls_ssl_context *ssl, int status, int ret) {
  lmw_app_https_tls_status(ssl, status, ret); /* C apps' own connections (native/apps) */
  for (lmw_conn *c = all_conns; c != NULL; c = c->next_all) {
    if (c->pcb == NULL || c->tls == NULL || altcp_tls_context(c->pcb) != ssl) continue;
    switch (status) {
      case LMW_TLS_STATUS_HANDSHAKE_FAILED:
        c->tls_err = ret;
        c->verify_flags = mbedtls_ssl_get_verify_result(ssl);
        if (c->verify_flags == (uint32_t)-1) c->verify_flags = 0;
        break; /* lwIP calls our err callback next */
      case LMW_TLS_STATUS_READ_FAILED:
        /* lwIP drops this silently and would leave the connection hanging. */
        if (!c->failed) {
          c->tls_err = ret;
          c->err = ERR_CONN;
          c->failed = 1;
          lmw_host_event(c->user_id, LMW_EV_ERROR, ERR_CONN);
        }
        break;
      case LMW_TLS_STATUS_TCP_CONNECTED:
        lmw_host_event(c->user_id, LMW_EV_TCP_UP, 0);
        break;
      case LMW_TLS_STATUS_CLOSE_NOTIFY:
        if (!c->eof) {
          c->eof = 1;
          lmw_host_event(c->user_id, LMW_EV_EOF, 0);
        }
        break;
    }
    return;
  }
}

static void keylog_hex(char *out, const unsigned char *in, size_t len) {
  static const char hex[] = "0123456789abcdef";
  for (size_t i = 0; i < len; i++) {
    out[2 * i] = hex[in[i] >> 4];
    out[2 * i + 1] = hex[in[i] & 15];
  }
  out[2 * len] = '\0';
}

static void keylog_export(void *p, mbedtls_ssl_key_export_type type, const unsigned char *secret, size_t secret_len,
                          const unsigned char client_random[32], const unsigned char server_random[32],
                          mbedtls_tls_prf_types prf) {
  (void)p;
  (void)server_random;
  (void)prf;
  const char *label;
  switch (type) {
    case MBEDTLS_SSL_KEY_EXPORT_TLS12_MASTER_SECRET: label = "CLIENT_RANDOM"; break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_HANDSHAKE_TRAFFIC_SECRET: label = "CLIENT_HANDSHAKE_TRAFFIC_SECRET"; break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_HANDSHAKE_TRAFFIC_SECRET: label = "SERVER_HANDSHAKE_TRAFFIC_SECRET"; break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_CLIENT_APPLICATION_TRAFFIC_SECRET: label = "CLIENT_TRAFFIC_SECRET_0"; break;
    case MBEDTLS_SSL_KEY_EXPORT_TLS1_3_SERVER_APPLICATION_TRAFFIC_SECRET: label = "SERVER_TRAFFIC_SECRET_0"; break;
    default: return;
  }
  if (secret_len > 64) return;
  char cr[65], sec[129], line[256];
  keylog_hex(cr, client_random, 32);
  keylog_hex(sec, secret, secret_len);
  int n = snprintf(line, sizeof line, "%s %s %s", label, cr, sec);
  if (n > 0) lmw_host_log(LMW_LOG_KEYLOG, line, (size_t)n);
}

static err_t cb_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  (void)err;
  if (c == NULL) {
    if (p) pbuf_free(p);
    return ERR_OK;
  }
  if (p == NULL) {
    if (!c->eof) {
      c->eof = 1;
      lmw_host_event(c->user_id, LMW_EV_EOF, 0);
    }
    return ERR_OK;
  }
  if (c->rx == NULL) {
    c->rx = p;
  } else {
    pbuf_cat(c->rx, p);
  }
  lmw_host_event(c->user_id, LMW_EV_READABLE, (int32_t)conn_readable(c));
  return ERR_OK;
}

static err_t cb_sent(void *arg, struct altcp_pcb *pcb, u16_t len) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c) lmw_host_event(c->user_id, LMW_EV_WRITABLE, len);
  return ERR_OK;
}

static void cb_err(void *arg, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  if (c == NULL) return;
  c->pcb = NULL; /* lwIP frees it */
  if (c->aborting) return;
  if (c->err == ERR_OK) c->err = err;
  if (!c->failed) {
    c->failed = 1;
    lmw_host_event(c->user_id, LMW_EV_ERROR, err);
  }
}

static err_t cb_connected(void *arg, struct altcp_pcb *pcb, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c) lmw_host_event(c->user_id, LMW_EV_CONNECTED, err);
  return ERR_OK;
}

static void conn_try_close(lmw_conn *c);

static err_t cb_poll(void *arg, struct altcp_pcb *pcb) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c && c->closing && c->pcb) conn_try_close(c);
  return ERR_OK;
}

static void conn_attach(lmw_conn *c, struct altcp_pcb *pcb) {
  c->pcb = pcb;
  /* No Nagle (TCP_NODELAY, as browsers, curl and Node do): a TLS Finished followed by a
     small request would otherwise wait for the peer's delayed ACK (up to 250 ms). Our
     writes are already whole records or large chunks. */
  if (!c->listener) altcp_nagle_disable(pcb);
  altcp_arg(pcb, c);
  altcp_recv(pcb, cb_recv);
  altcp_sent(pcb, cb_sent);
  altcp_err(pcb, cb_err);
  altcp_poll(pcb, cb_poll, 2);
  if (c->tls && c->tls->keylog) {
    mbedtls_ssl_context *ssl = (mbedtls_ssl_context *)altcp_tls_context(pcb);
    if (ssl) mbedtls_ssl_set_export_keys_cb(ssl, keylog_export, c);
  }
}

static void conn_detach(lmw_conn *c) {
  if (c->pcb == NULL) return;
  if (c->listener) {
    /* A listen pcb has only arg and accept (tcp_poll & co. assert on it). */
    altcp_arg(c->pcb, NULL);
    altcp_accept(c->pcb, NULL);
    return;
  }
  altcp_arg(c->pcb, NULL);
  altcp_recv(c->pcb, NULL);
  altcp_sent(c->pcb, NULL);
  altcp_err(c->pcb, NULL);
  altcp_poll(c->pcb, NULL, 0);
}

int lmw_conn_new(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out) {
  *out = NULL;
  if (tls && tls->is_server) return ERR_ARG; /* server configs are for lmw_conn_listen */
  lmw_conn *c = conn_alloc(user_id, tls);
  if (c == NULL) return ERR_MEM;
  *out = c;
  return ERR_OK;
}

/* The pcb is created when the role (connect or listen) is known. */
static err_t conn_make_pcb(lmw_conn *c, lmw_tls_config *tls) {
  struct altcp_pcb *pcb = tls ? altcp_tls_new(tls->alt, IPADDR_TYPE_V4) : altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == NULL) return ERR_MEM;
  c->tls = tls;
  conn_attach(c, pcb);
  return ERR_OK;
}

int lmw_conn_set_hostname(lmw_conn *c, const char *hostname) {
  if (c->tls == NULL) return ERR_ARG;
  char *copy = strdup(hostname);
  if (copy == NULL) return ERR_MEM;
  free(c->hostname);
  c->hostname = copy;
  return ERR_OK;
}

struct lmw_tls_session {
  mbedtls_ssl_session session;
};

int lmw_conn_set_session(lmw_conn *c, lmw_tls_session *s) {
  if (c->tls == NULL || c->pcb != NULL) return ERR_ARG;
  c->offer = s;
  return ERR_OK;
}

int lmw_conn_get_session(lmw_conn *c, lmw_tls_session **out) {
  *out = NULL;
  if (c->tls == NULL || c->pcb == NULL || !lmw_altcp_tls_handshake_done(c->pcb)) return ERR_CONN;
  lmw_tls_session *s = (lmw_tls_session *)calloc(1, sizeof *s);
  if (s == NULL) return ERR_MEM;
  mbedtls_ssl_session_init(&s->session);
  if (mbedtls_ssl_get_session((mbedtls_ssl_context *)altcp_tls_context(c->pcb), &s->session) != 0) {
    lmw_tls_session_free(s);
    return ERR_VAL;
  }
  *out = s;
  return ERR_OK;
}

void lmw_tls_session_free(lmw_tls_session *s) {
  if (s == NULL) return;
  mbedtls_ssl_session_free(&s->session);
  free(s);
}

int lmw_conn_connect(lmw_conn *c, const char *ip, uint16_t port) {
  ip_addr_t addr;
  if (c->pcb != NULL || c->failed) return ERR_ISCONN;
  if (!ipaddr_aton(ip, &addr)) return ERR_ARG;
  err_t err = conn_make_pcb(c, c->tls);
  if (err != ERR_OK) return err;
  if (c->tls) {
    mbedtls_ssl_context *ssl = (mbedtls_ssl_context *)altcp_tls_context(c->pcb);
    /* Without a name Mbed TLS 3.6 refuses to verify (fails closed): SNI and the name
       check both come from here. */
    int ret = c->hostname ? mbedtls_ssl_set_hostname(ssl, c->hostname) : 0;
    if (ret == 0 && c->offer) ret = mbedtls_ssl_set_session(ssl, &c->offer->session);
    c->offer = NULL;
    if (ret != 0) {
      c->tls_err = ret;
      return ERR_ARG;
    }
  }
  return altcp_connect(c->pcb, &addr, port, cb_connected);
}

static err_t cb_accept(void *arg, struct altcp_pcb *newpcb, err_t err) {
  lmw_conn *l = (lmw_conn *)arg;
  if (l == NULL || err != ERR_OK || newpcb == NULL) return ERR_VAL;
  lmw_conn *c = conn_alloc(0, l->tls);
  if (c == NULL) return ERR_MEM;
  if (l->tls) lmw_altcp_tls_adopt(newpcb);
  conn_attach(c, newpcb);
  if (l->pending_tail) {
    l->pending_tail->next_pending = c;
  } else {
    l->pending_head = c;
  }
  l->pending_tail = c;
  l->pending_count++;
  lmw_host_event(l->user_id, LMW_EV_ACCEPT, (int32_t)l->pending_count);
  return ERR_OK;
}

int lmw_conn_listen(lmw_conn *c, const char *ip, uint16_t port, int backlog) {
  ip_addr_t addr;
  if (c->pcb != NULL) return ERR_ISCONN;
  if (!ipaddr_aton(ip, &addr)) return ERR_ARG;
  err_t err = conn_make_pcb(c, c->tls);
  if (err != ERR_OK) return err;
  err = altcp_bind(c->pcb, &addr, port);
  if (err != ERR_OK) return err;
  struct altcp_pcb *lpcb = altcp_listen_with_backlog_and_err(c->pcb, (u8_t)(backlog > 0 && backlog < 255 ? backlog : 255), &err);
  if (lpcb == NULL) return err;
  c->pcb = lpcb;
  c->listener = 1;
  altcp_arg(lpcb, c);
  altcp_accept(lpcb, cb_accept);
  return ERR_OK;
}

int lmw_conn_new_server(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out) {
  *out = NULL;
  if (tls && !tls->is_server) return ERR_ARG;
  lmw_conn *c = conn_alloc(user_id, tls);
  if (c == NULL) return ERR_MEM;
  *out = c;
  return ERR_OK;
}

int lmw_conn_accept(lmw_conn *l, uint32_t user_id, lmw_conn **out) {
  *out = NULL;
  lmw_conn *c = l->pending_head;
  if (c == NULL) return ERR_WOULDBLOCK;
  l->pending_head = c->next_pending;
  if (l->pending_head == NULL) l->pending_tail = NULL;
  l->pending_count--;
  c->next_pending = NULL;
  c->user_id = user_id;
  /* Anything that happened before it was taken is told again under its new id. */
  if (c->rx) lmw_host_event(user_id, LMW_EV_READABLE, (int32_t)conn_readable(c));
  if (c->eof) lmw_host_event(user_id, LMW_EV_EOF, 0);
  if (c->failed) lmw_host_event(user_id, LMW_EV_ERROR, c->err);
  *out = c;
  return ERR_OK;
}

/* Space now free for lmw_conn_write. */
static size_t conn_sndbuf(lmw_conn *c) {
  if (c->pcb == NULL || c->listener) return 0;
  if (c->tls && !lmw_altcp_tls_handshake_done(c->pcb)) return 0;
  return altcp_sndbuf(c->pcb);
}

int lmw_conn_write(lmw_conn *c, const uint8_t *buf, size_t len, size_t *written) {
  *written = 0;
  if (c->pcb == NULL) return c->err != ERR_OK ? c->err : ERR_CONN;
  if (c->closing || c->listener) return ERR_CLSD;
  size_t done = 0;
  while (done < len) {
    size_t room = conn_sndbuf(c);
    if (room == 0 || (altcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 1)) break;
    size_t n = len - done;
    if (n > room) n = room;
    if (n > 0xFFFF) n = 0xFFFF;
    err_t err = altcp_write(c->pcb, buf + done, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) break; /* would block */
    if (err != ERR_OK) return err;
    done += n;
  }
  *written = done;
  if (done > 0) altcp_output(c->pcb);
  return ERR_OK;
}


int lmw_conn_read(lmw_conn *c, uint8_t *buf, size_t cap, size_t *n) {
  size_t got = 0;
  while (c->rx != NULL && got < cap) {
    struct pbuf *p = c->rx;
    size_t avail = (size_t)(p->len - c->rx_off);
    size_t take = cap - got < avail ? cap - got : avail;
    memcpy(buf + got, (uint8_t *)p->payload + c->rx_off, take);
    got += take;
    c->rx_off = (u16_t)(c->rx_off + take);
    if (c->rx_off == p->len) {
      c->rx = p->next;
      if (c->rx) pbuf_ref(c->rx);
      pbuf_free(p);
      c->rx_off = 0;
    }
  }
  *n = got;
  /* Only now is the data acknowledged: the TCP window opens as the reader pulls. */
  if (got > 0 && c->pcb != NULL) {
    size_t left = got;
    while (left > 0) {
      u16_t part = (u16_t)(left > 0xFFFF ? 0xFFFF : left);
      altcp_recved(c->pcb, part);
      left -= part;
    }
  }
  return ERR_OK;
}

static void conn_try_close(lmw_conn *c) {
  if (c->pcb == NULL) return;
  struct altcp_pcb *pcb = c->pcb;
  conn_detach(c);
  if (altcp_close(pcb) == ERR_OK) {
    c->pcb = NULL;
    lmw_host_event(c->user_id, LMW_EV_CLOSED, 0);
  } else {
    /* Out of memory for the FIN: keep the callbacks and retry from poll. */
    conn_attach(c, pcb);
  }
}

int lmw_conn_shutdown_write(lmw_conn *c) {
  if (c->pcb == NULL) return ERR_CONN;
  if (c->tls || c->listener) return ERR_ARG; /* TLS over altcp has no half-close */
  err_t err = altcp_shutdown(c->pcb, 0, 1);
  if (err == ERR_OK) altcp_output(c->pcb);
  return err;
}

int lmw_conn_close(lmw_conn *c) {
  if (c->pcb == NULL) {
    lmw_host_event(c->user_id, LMW_EV_CLOSED, 0);
    return ERR_OK;
  }
  c->closing = 1;
  conn_try_close(c);
  return ERR_OK;
}

void lmw_conn_abort(lmw_conn *c) {
  if (c->pcb == NULL) return;
  c->aborting = 1;
  struct altcp_pcb *pcb = c->pcb;
  conn_detach(c);
  c->pcb = NULL;
  if (c->listener) {
    /* A listening pcb cannot be aborted (tcp_abort would treat the smaller listen pcb
       as a full one); closing it frees it at once and never fails. */
    altcp_close(pcb);
  } else {
    altcp_abort(pcb);
  }
}

void lmw_conn_free(lmw_conn *c) {
  if (c == NULL) return;
  lmw_conn_abort(c);
  while (c->pending_head) {
    lmw_conn *p = c->pending_head;
    c->pending_head = p->next_pending;
    lmw_conn_free(p);
  }
  if (c->rx) pbuf_free(c->rx);
  free(c->hostname);
  conn_unlink(c);
  free(c);
}

int lmw_conn_tls_error(lmw_conn *c) {
  return c->tls_err;
}

uint32_t lmw_conn_verify_flags(lmw_conn *c) {
  return c->verify_flags;
}

/* ---- lmw_conn_info ---- */

struct text {
  char *buf;
  size_t cap, len;
};

static void text_add(struct text *t, const char *key, const char *value) {
  size_t kl = strlen(key), vl = strlen(value);
  size_t need = kl + 1 + vl + 1;
  if (t->len + need < t->cap) {
    memcpy(t->buf + t->len, key, kl);
    t->buf[t->len + kl] = '=';
    memcpy(t->buf + t->len + kl + 1, value, vl);
    t->buf[t->len + kl + 1 + vl] = '\n';
    t->buf[t->len + need] = '\0';
  }
  t->len += need;
}

static void x509_time_text(char *out, size_t cap, const mbedtls_x509_time *tm) {
  snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm->year, tm->mon, tm->day, tm->hour, tm->min, tm->sec);
}

int lmw_conn_info(lmw_conn *c, char *buf, size_t cap, size_t *len) {
  struct text t = {buf, cap, 0};
  char value[1024];
  if (cap > 0) buf[0] = '\0';
  if (c->pcb != NULL && !c->listener) {
    ip_addr_t local, remote;
    u16_t lport, rport;
    if (altcp_get_tcp_addrinfo(c->pcb, 1, &local, &lport) == ERR_OK &&
        altcp_get_tcp_addrinfo(c->pcb, 0, &remote, &rport) == ERR_OK) {
      char ip[IPADDR_STRLEN_MAX];
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&local, ip, sizeof ip), lport);
      text_add(&t, "local", value);
      snprintf(value, sizeof value, "%s:%u", ipaddr_ntoa_r(&remote, ip, sizeof ip), rport);
      text_add(&t, "remote", value);
    }
  }
  mbedtls_ssl_context *ssl = (c->pcb && c->tls) ? (mbedtls_ssl_context *)altcp_tls_context(c->pcb) : NULL;
  if (ssl != NULL && lmw_altcp_tls_handshake_done(c->pcb)) {
    text_add(&t, "tls_version", mbedtls_ssl_get_version(ssl));
    text_add(&t, "tls_suite", mbedtls_ssl_get_ciphersuite(ssl));
    const char *alpn = mbedtls_ssl_get_alpn_protocol(ssl);
    if (alpn) text_add(&t, "alpn", alpn);
    for (const mbedtls_x509_crt *crt = mbedtls_ssl_get_peer_cert(ssl); crt != NULL && crt->raw.len > 0;
         crt = crt->next) {
      if (mbedtls_x509_dn_gets(value, sizeof value, &crt->subject) < 0) value[0] = '\0';
      text_add(&t, "peer_subject", value);
      if (mbedtls_x509_dn_gets(value, sizeof value, &crt->issuer) < 0) value[0] = '\0';
      text_add(&t, "peer_issuer", value);
      x509_time_text(value, sizeof value, &crt->valid_from);
      text_add(&t, "peer_not_before", value);
      x509_time_text(value, sizeof value, &crt->valid_to);
      text_add(&t, "peer_not_after", value);
      size_t b64len = 0;
      (void)mbedtls_base64_encode(NULL, 0, &b64len, crt->raw.p, crt->raw.len);
      char *b64 = (char *)malloc(b64len + 1);
      if (b64 && mbedtls_base64_encode((unsigned char *)b64, b64len + 1, &b64len, crt->raw.p, crt->raw.len) == 0) {
        b64[b64len] = '\0';
        text_add(&t, "peer_der", b64);
      }
      free(b64);
    }
  }
  *len = t.len;
  return t.len < cap ? ERR_OK : ERR_BUF;
}

/* ==== UDP =============================================================================== */

#define LMW_UDP_QUEUE_MAX 64

struct udp_datagram {
  struct udp_datagram *next;
  struct pbuf *p;
  ip_addr_t addr;
  u16_t port;
};

struct lmw_udp {
  uint32_t user_id;
  struct udp_pcb *pcb;
  struct udp_datagram *head, *tail;
  size_t queued;
};

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port) {
  lmw_udp *u = (lmw_udp *)arg;
  (void)pcb;
  struct udp_datagram *d = u->queued < LMW_UDP_QUEUE_MAX ? (struct udp_datagram *)calloc(1, sizeof *d) : NULL;
  if (d == NULL) {
    pbuf_free(p); /* full: dropped, as UDP may */
    return;
  }
  d->p = p;
  d->addr = *addr;
  d->port = port;
  if (u->tail) u->tail->next = d;
  else u->head = d;
  u->tail = d;
  u->queued++;
  lmw_host_event(u->user_id, LMW_EV_READABLE, (int32_t)u->queued);
}

int lmw_udp_new(uint32_t user_id, lmw_udp **out) {
  *out = NULL;
  lmw_udp *u = (lmw_udp *)calloc(1, sizeof *u);
  if (u == NULL) return ERR_MEM;
  u->user_id = user_id;
  u->pcb = udp_new_ip_type(IPADDR_TYPE_V4);
  if (u->pcb == NULL) {
    free(u);
    return ERR_MEM;
  }
  err_t err = udp_bind(u->pcb, IP4_ADDR_ANY, 0);
  if (err != ERR_OK) {
    udp_remove(u->pcb);
    free(u);
    return err;
  }
  udp_recv(u->pcb, udp_recv_cb, u);
  *out = u;
  return ERR_OK;
}

int lmw_udp_send(lmw_udp *u, const char *ip, uint16_t port, const uint8_t *data, size_t len) {
  ip_addr_t addr;
  if (!ipaddr_aton(ip, &addr) || len > 0xFFFF - 28) return ERR_ARG;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
  if (p == NULL) return ERR_MEM;
  pbuf_take(p, data, (u16_t)len);
  err_t err = udp_sendto(u->pcb, p, &addr, port);
  pbuf_free(p);
  return err;
}

int lmw_udp_recv(lmw_udp *u, uint8_t *buf, size_t cap, size_t *n, char *from, size_t from_cap) {
  struct udp_datagram *d = u->head;
  *n = 0;
  if (d == NULL) return ERR_WOULDBLOCK;
  u->head = d->next;
  if (u->head == NULL) u->tail = NULL;
  u->queued--;
  *n = d->p->tot_len;
  pbuf_copy_partial(d->p, buf, (u16_t)(cap < d->p->tot_len ? cap : d->p->tot_len), 0);
  char ip[IPADDR_STRLEN_MAX];
  if (from && from_cap) snprintf(from, from_cap, "%s:%u", ipaddr_ntoa_r(&d->addr, ip, sizeof ip), d->port);
  pbuf_free(d->p);
  free(d);
  return ERR_OK;
}

void lmw_udp_free(lmw_udp *u) {
  if (u == NULL) return;
  udp_remove(u->pcb);
  while (u->head) {
    struct udp_datagram *d = u->head;
    u->head = d->next;
    pbuf_free(d->p);
    free(d);
  }
  free(u);
}
