/* hardware_gpio on a host: pin state in memory, output changes reported to the runner. */
#include "hardware/gpio.h"
#include "pico_host.h"

static struct {
  bool out, level, up, down;
} pins[NUM_BANK0_GPIOS];

static bool valid(uint gpio) {
  if (gpio < NUM_BANK0_GPIOS) return true;
  panic("gpio %u: no such pin (0-%d)", gpio, NUM_BANK0_GPIOS - 1);
}

void gpio_init(uint gpio) {
  if (!valid(gpio)) return;
  pins[gpio].out = false;
  pins[gpio].level = false;
}
void gpio_deinit(uint gpio) { gpio_init(gpio); }
void gpio_init_mask(uint32_t mask) {
  for (uint i = 0; i < NUM_BANK0_GPIOS; i++)
    if (mask & (1u << i)) gpio_init(i);
}
void gpio_set_function(uint gpio, gpio_function_t fn) {
  (void)fn;
  (void)valid(gpio);
}
void gpio_set_dir(uint gpio, bool out) {
  if (valid(gpio)) pins[gpio].out = out;
}
bool gpio_get_dir(uint gpio) { return valid(gpio) && pins[gpio].out; }
void gpio_put(uint gpio, bool value) {
  if (!valid(gpio)) return;
  if (pins[gpio].level != value || !pins[gpio].out) pico_host_gpio((int)gpio, value);
  pins[gpio].level = value;
}
bool gpio_get(uint gpio) {
  if (!valid(gpio)) return false;
  return pins[gpio].out ? pins[gpio].level : pins[gpio].up;
}
bool gpio_get_out_level(uint gpio) { return valid(gpio) && pins[gpio].level; }
void gpio_set_pulls(uint gpio, bool up, bool down) {
  if (!valid(gpio)) return;
  pins[gpio].up = up;
  pins[gpio].down = down;
}
