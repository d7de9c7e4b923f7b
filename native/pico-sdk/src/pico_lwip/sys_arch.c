/* lwIP's NO_SYS port for Pico programs: a millisecond clock and a no-op protect (one
 * thread; background work runs only inside waits, never inside lwIP). */
#include "lwip/opt.h"
#include "lwip/sys.h"
#include "pico/time.h"

u32_t sys_now(void) {
  return to_ms_since_boot(get_absolute_time());
}

#if SYS_LIGHTWEIGHT_PROT
sys_prot_t sys_arch_protect(void) {
  return 0;
}

void sys_arch_unprotect(sys_prot_t pval) {
  (void)pval;
}
#endif
