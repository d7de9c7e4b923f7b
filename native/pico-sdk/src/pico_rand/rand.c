/* pico_rand over the host seam: every call draws fresh bytes from pico_random_fill (no
 * PRNG state of its own, so the bytes are exactly the source's). */
#include "pico/rand.h"
#include "pico_host.h"

void get_rand_128(rng_128_t *rand128) {
  pico_random_fill((uint8_t *)rand128->r, sizeof rand128->r);
}

uint64_t get_rand_64(void) {
  uint64_t v;
  pico_random_fill((uint8_t *)&v, sizeof v);
  return v;
}

uint32_t get_rand_32(void) {
  return pico_random32();
}

const char *pico_rand_source(void) {
  return pico_random_source();
}
