/* panic and hard_assert: the message goes to stdout (where a device's stdio would show it),
 * then the program stops; the runner reports a trap with the last lines of output. */
#include <stdarg.h>
#include <stdio.h>

#include "pico.h"
#include "pico_host.h"

void panic(const char *fmt, ...) {
  fputs("\n*** PANIC ***\n\n", stdout);
  if (fmt) {
    va_list ap;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    putchar('\n');
  }
  fflush(stdout);
  pico_host_abort();
}

void panic_unsupported(void) {
  panic("not supported");
}

void hard_assertion_failure(void) {
  panic("Hard assert");
}

uint8_t rp2040_chip_version(void) { return 2; }
uint8_t rp2040_rom_version(void) { return 3; }
