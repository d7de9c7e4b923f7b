/* lmw_api.h, life cycle: init, timers, heap and stats, the debug switch, version and
 * build constants. */
#include <malloc.h>
#include <string.h>

#include "lwip/dns.h"
#include "lwip/init.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/stats.h"
#include "lwip/tcp.h"
#include "lwip/timeouts.h"
#include "lwip/udp.h"

#include "mbedtls/debug.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509_crt.h"
#include "psa/crypto.h"

#include "host.h"
#include "lmw_internal.h"
#include "router.h"

unsigned char lmw_lwip_debug_types; /* LWIP_DBG_TYPES_ON (lwipopts.h) */

#ifdef LWIP_DEBUG /* lwIP tests whether it is defined, not its value */
#define LWIP_DEBUG_BUILT 1
#else
#define LWIP_DEBUG_BUILT 0
#endif

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

static int mbedtls_debug_level;

void lmw_set_debug(int lwip_on, int mbedtls_level) {
  lmw_lwip_debug_types = lwip_on ? LWIP_DBG_ON : 0;
  mbedtls_debug_level = mbedtls_level < 0 ? 0 : mbedtls_level > 4 ? 4 : mbedtls_level;
#if defined(MBEDTLS_DEBUG_C) /* the debug build only (LMW_DEBUG_BUILD) */
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
      {"MTU", LMW_LINK_MTU},
      {"FAST_LINK_MTU", LMW_FAST_LINK_MTU},
      {"LWIP_DEBUG", LWIP_DEBUG_BUILT},
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
  /* lwIP timers pending: the cyclic ones, plus TCP's while pcbs exist (it stops itself
     one tick after the last one), plus one-shot ones. */
  if (strcmp(name, "timeouts") == 0) return (int32_t)lwip_stats.memp[MEMP_SYS_TIMEOUT]->used;
  if (strcmp(name, "memp_errors") == 0) {
    int32_t n = 0;
    for (int i = 0; i < MEMP_MAX; i++) n += (int32_t)lwip_stats.memp[i]->err;
    return n;
  }
#endif
  if (strcmp(name, "asserts") == 0) return (int32_t)lmw_host_assert_count();
  return -1;
}
