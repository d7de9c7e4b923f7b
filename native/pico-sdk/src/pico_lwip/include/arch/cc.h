/* lwIP's architecture header for Pico programs on a host: diagnostics with printf (to the
 * program's stdout, as the SDK's port does), assertions panic as on a device, randomness
 * from the host seam (seeded in deterministic mode). */
#ifndef PICO_HOST_ARCH_CC_H
#define PICO_HOST_ARCH_CC_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "pico.h"
#include "pico_host.h"

#ifndef BYTE_ORDER
#define BYTE_ORDER LITTLE_ENDIAN
#endif

#if NO_SYS
typedef int sys_prot_t;
#endif

#define LWIP_PLATFORM_DIAG(x) \
  do {                        \
    printf x;                 \
  } while (0)
#define LWIP_PLATFORM_ASSERT(x) panic("Assertion \"%s\" failed at line %d in %s\n", x, __LINE__, __FILE__)
#define LWIP_RAND() pico_random32()

#endif
