/* Stops abnormally after printing a little: panic() (TRAP_panic) or a bad memory access
 * (TRAP_crash). The runner must report it with these lines, never hang. */
#include <stdint.h>

#include "pico/stdlib.h"

int main(void) {
  stdio_init_all();
  printf("about to fail\n");
  sleep_ms(10);
  printf("step 2\n");
#if TRAP_panic
  panic("out of %s", "luck");
#else
  volatile uintptr_t bad = (uintptr_t)-64; /* past the end of any memory */
  printf("read %d\n", *(volatile int *)bad);
#endif
  return 0;
}
