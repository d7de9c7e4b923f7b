/* Random numbers as a Pico W program: Mbed TLS's CTR_DRBG, seeded through mbedtls_entropy,
 * whose only strong source is the port's mbedtls_hardware_poll (MBEDTLS_ENTROPY_HARDWARE_ALT
 * with MBEDTLS_NO_PLATFORM_ENTROPY: a Pico W has no OS to ask). The program names that
 * source and what feeds it, then prints numbers and bytes from the DRBG, dice rolls (without
 * modulo bias), and numbers from the SDK's pico_rand (get_rand_32/64). */
/* Before Mbed TLS's headers (they decide on it first): the program lists the entropy
   context's sources, fields Mbed TLS 3 made private. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS
#include <string.h>

#include "pico/rand.h"
#include "pico/stdlib.h"
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"

/* mbedtls_entropy_init registers the port's poll function: the Pico SDK's (pico_mbedtls). */
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);

#if PICO_ON_DEVICE
/* The Pico SDK's mbedtls_hardware_poll draws from pico_rand. */
#define HARDWARE_SOURCE() "pico_rand (ring oscillator, timer, bus counter)"
#else
#define HARDWARE_SOURCE() pico_rand_source()
#endif

#define PERSONALIZATION "pico random example"

static const char *source_name(const mbedtls_entropy_context *entropy, int i) {
  return entropy->source[i].f_source == mbedtls_hardware_poll ? "mbedtls_hardware_poll" : "another source";
}

/* A roll of a die: draws until a byte falls below 252 (the largest multiple of 6), so each
 * face is equally likely. */
static int roll(mbedtls_ctr_drbg_context *drbg, int *face) {
  unsigned char b;
  do {
    int ret = mbedtls_ctr_drbg_random(drbg, &b, 1);
    if (ret != 0) return ret;
  } while (b >= 252);
  *face = 1 + b % 6;
  return 0;
}

int main(void) {
  stdio_init_all();
  mbedtls_entropy_context entropy;
  mbedtls_ctr_drbg_context drbg;
  mbedtls_entropy_init(&entropy);
  mbedtls_ctr_drbg_init(&drbg);
  int ret = 0;

  for (int i = 0; i < entropy.source_count; i++) {
    printf("entropy source: %s (%s, %u bytes before a seed) <- %s\n", source_name(&entropy, i),
           entropy.source[i].strong == MBEDTLS_ENTROPY_SOURCE_STRONG ? "strong" : "weak",
           (unsigned)entropy.source[i].threshold, HARDWARE_SOURCE());
  }

  ret = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, (const unsigned char *)PERSONALIZATION,
                              strlen(PERSONALIZATION));
  if (ret != 0) goto cleanup;
  printf("ctr_drbg: seeded (AES-%d, reseeded every %d requests)\n", MBEDTLS_CTR_DRBG_KEYSIZE * 8,
         MBEDTLS_CTR_DRBG_RESEED_INTERVAL);

  uint32_t words[4];
  ret = mbedtls_ctr_drbg_random(&drbg, (unsigned char *)words, sizeof words);
  if (ret != 0) goto cleanup;
  printf("ctr_drbg u32:");
  for (size_t i = 0; i < 4; i++) printf(" 0x%08lx", (unsigned long)words[i]);
  printf("\n");

  unsigned char bytes[16];
  ret = mbedtls_ctr_drbg_random(&drbg, bytes, sizeof bytes);
  if (ret != 0) goto cleanup;
  printf("ctr_drbg bytes:");
  for (size_t i = 0; i < sizeof bytes; i++) printf(" %02x", bytes[i]);
  printf("\n");

  printf("dice:");
  for (int i = 0; i < 10; i++) {
    int face;
    ret = roll(&drbg, &face);
    if (ret != 0) goto cleanup;
    printf(" %d", face);
  }
  printf("\n");

  printf("get_rand_32: 0x%08lx\n", (unsigned long)get_rand_32());
  printf("get_rand_64: 0x%016llx\n", (unsigned long long)get_rand_64());

cleanup:
  if (ret != 0) {
    char text[100];
    mbedtls_strerror(ret, text, sizeof text);
    printf("failed: -0x%04x %s\n", (unsigned)-ret, text);
  }
  mbedtls_ctr_drbg_free(&drbg);
  mbedtls_entropy_free(&entropy);
  return ret == 0 ? 0 : 1;
}
