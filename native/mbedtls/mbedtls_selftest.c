/* Mbed TLS's own self-tests (lmw_selftest in lmw_api.h): the algorithms this build's
 * config turns on, run inside the module (WASM or native) on the host's entropy. Built
 * into the debug build only (lmw_debug.wasm and the native build); the release module
 * answers -1. */
#include <stdio.h>

#include "lmw_api.h"

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
#if !defined(MBEDTLS_SELF_TEST) /* the debug build only (LMW_DEBUG_BUILD: lmw_debug.wasm, native) */
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
