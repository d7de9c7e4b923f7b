/* pico/rand.h: random numbers, as the SDK names them (get_rand_32/64/128). On a device the
 * SDK mixes the ring oscillator, the timer and a bus counter into a 128-bit PRNG; on a
 * host they come from the host seam's source (pico_random_fill): the host's CSPRNG, or the
 * seeded generator of deterministic mode, the same source Mbed TLS's mbedtls_hardware_poll
 * and lwIP's LWIP_RAND draw from. */
#ifndef _PICO_RAND_H
#define _PICO_RAND_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct rng_128 {
  uint64_t r[2];
} rng_128_t;

void get_rand_128(rng_128_t *rand128);
uint64_t get_rand_64(void);
uint32_t get_rand_32(void);

#if !PICO_ON_DEVICE
/** Host SDK only (a device has no such call): what the numbers come from on this host,
 *  e.g. "getrandom(2) (the Linux kernel's CSPRNG)", or deterministic mode's generator. */
const char *pico_rand_source(void);
#endif

#ifdef __cplusplus
}
#endif

#endif
