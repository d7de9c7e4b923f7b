/* Shared parts of the host seam: the randomness of lwIP and Mbed TLS. In deterministic mode
 * it is a seeded xorshift64* generator here, in C, so a native and a WASM build of the same
 * program draw the same numbers from the same seed (nothing re-implemented in the runner). */
#include <stdio.h>
#include <stdlib.h>

#include "pico_host.h"

static int det_state = -1; /* -1 unknown, 0 off, 1 on */
static uint64_t det_s;

int pico_deterministic(void) {
  if (det_state < 0) {
    char seed[32];
    det_state = pico_host_config(PICO_HOST_CFG_SEED, seed, sizeof seed) > 0;
    if (det_state) det_s = strtoull(seed, NULL, 10) * 0x9E3779B97F4A7C15ull + 1;
  }
  return det_state;
}

static uint64_t det_next(void) {
  uint64_t x = det_s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  det_s = x;
  return x * 0x2545F4914F6CDD1Dull;
}

void pico_random_fill(uint8_t *buf, size_t len) {
  if (!pico_deterministic()) {
    pico_host_random(buf, len);
    return;
  }
  for (size_t i = 0; i < len; i += 8) {
    uint64_t v = det_next();
    for (size_t j = 0; j < 8 && i + j < len; j++) buf[i + j] = (uint8_t)(v >> (8 * j));
  }
}

const char *pico_random_source(void) {
  static char text[96];
  if (pico_deterministic()) {
    char seed[32];
    pico_host_config(PICO_HOST_CFG_SEED, seed, sizeof seed);
    snprintf(text, sizeof text, "xorshift64* seeded with %s (deterministic mode: not random)", seed);
  } else if (pico_host_config(PICO_HOST_CFG_RANDOM_SOURCE, text, sizeof text) <= 0) {
    snprintf(text, sizeof text, "the host's random source");
  }
  return text;
}

uint32_t pico_random32(void) {
  uint32_t v;
  pico_random_fill((uint8_t *)&v, sizeof v);
  return v;
}

void pico_mac(uint8_t mac[6]) {
  /* Raspberry Pi's OUI, as a Pico W's own address starts. */
  static const uint8_t fallback[6] = {0x28, 0xcd, 0xc1, 0x00, 0x00, 0x01};
  char text[32];
  unsigned b[6];
  if (pico_host_config(PICO_HOST_CFG_MAC, text, sizeof text) > 0 &&
      sscanf(text, "%x:%x:%x:%x:%x:%x", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5]) == 6) {
    for (int i = 0; i < 6; i++) mac[i] = (uint8_t)b[i];
    return;
  }
  for (int i = 0; i < 6; i++) mac[i] = fallback[i];
}
