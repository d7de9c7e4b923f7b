/* Mbed TLS's platform hooks for Pico programs, as the SDK provides them: entropy from the
 * host seam (MBEDTLS_ENTROPY_HARDWARE_ALT; seeded in deterministic mode) and milliseconds
 * (MBEDTLS_PLATFORM_MS_TIME_ALT). Compiled with the program's mbedtls_config.h. */
#include "mbedtls/build_info.h"
#include "mbedtls/entropy.h"
#if defined(MBEDTLS_HAVE_TIME)
#include "mbedtls/platform_time.h"
#endif
#include "pico/time.h"
#include "pico_host.h"

#if defined(MBEDTLS_ENTROPY_HARDWARE_ALT)
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *output, size_t len, size_t *olen) {
  (void)data;
  pico_random_fill(output, len); /* exactly len bytes */
  *olen = len;
  return 0;
}
#endif

#if defined(MBEDTLS_HAVE_TIME) && defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
mbedtls_ms_time_t mbedtls_ms_time(void) {
  return (mbedtls_ms_time_t)(time_us_64() / 1000u);
}
#endif
