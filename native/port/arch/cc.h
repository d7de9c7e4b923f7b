/* lwIP architecture header for lwip-mbedtls-wasm (WASM and native hosts alike).
 * Diagnostics and assertions go to the host (native/host/host.h) instead of printf/abort:
 * in WASM an abort kills the whole instance, so an lwIP assertion is reported, counted
 * (tests check the count stays zero) and execution goes on. */
#ifndef LMW_ARCH_CC_H
#define LMW_ARCH_CC_H

#include <stdint.h>
#include <stdlib.h>
#include <errno.h>

#include "host.h"

#define LWIP_NO_INTTYPES_H 0
#define LWIP_RAND() (lmw_host_rand32())

#define LWIP_PLATFORM_DIAG(x) do { lmw_host_diag x; } while (0)
#define LWIP_PLATFORM_ASSERT(msg) lmw_host_assert_failed((msg), __FILE__, __LINE__)

/* lwIP's sys.h wants these when NO_SYS=1 and SYS_LIGHTWEIGHT_PROT=0: nothing to do. */
#define LWIP_ERRNO_STDINCLUDE 1

#endif
