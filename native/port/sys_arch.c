/* The NO_SYS=1 port: lwIP needs only a millisecond clock. Randomness is LWIP_RAND()
 * (arch/cc.h); both come from the host hooks so a test mode can replace them. */
#include "lwip/opt.h"
#include "lwip/sys.h"

#include "host.h"

u32_t sys_now(void) {
  return lmw_host_now_ms();
}
