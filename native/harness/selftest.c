/* Native harness: Mbed TLS's self-tests through the exported API, the same call the
 * WASM module makes, so the two outputs can be compared line for line. */
#include <stdio.h>

#include "lmw_api.h"

int main(int argc, char **argv) {
  (void)argv;
  int failed = lmw_selftest(argc > 1 ? 0 : 1);
  return failed == 0 ? 0 : 1;
}
