/* An access point program: cyw43_arch_enable_ap_mode is not simulated, so this must not link. */
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"

int main(void) {
  stdio_init_all();
  if (cyw43_arch_init()) return 1;
  cyw43_arch_enable_ap_mode("picow_test", "password", CYW43_AUTH_WPA2_AES_PSK);
  return 0;
}
