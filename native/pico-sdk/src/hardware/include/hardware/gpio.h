/* hardware/gpio.h: 30 simulated pins. An output change is an event for the runner (as the
 * LED is); inputs read what was last written or the pull. */
#ifndef _HARDWARE_GPIO_H
#define _HARDWARE_GPIO_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NUM_BANK0_GPIOS 30
#define GPIO_OUT 1
#define GPIO_IN 0

enum gpio_function {
  GPIO_FUNC_XIP = 0, GPIO_FUNC_SPI = 1, GPIO_FUNC_UART = 2, GPIO_FUNC_I2C = 3, GPIO_FUNC_PWM = 4,
  GPIO_FUNC_SIO = 5, GPIO_FUNC_PIO0 = 6, GPIO_FUNC_PIO1 = 7, GPIO_FUNC_GPCK = 8, GPIO_FUNC_USB = 9,
  GPIO_FUNC_NULL = 0x1f,
};
typedef enum gpio_function gpio_function_t;

void gpio_init(uint gpio);
void gpio_deinit(uint gpio);
void gpio_init_mask(uint32_t gpio_mask);
void gpio_set_function(uint gpio, gpio_function_t fn);
void gpio_set_dir(uint gpio, bool out);
bool gpio_get_dir(uint gpio);
void gpio_put(uint gpio, bool value);
bool gpio_get(uint gpio);
bool gpio_get_out_level(uint gpio);
void gpio_set_pulls(uint gpio, bool up, bool down);
static inline void gpio_pull_up(uint gpio) { gpio_set_pulls(gpio, true, false); }
static inline void gpio_pull_down(uint gpio) { gpio_set_pulls(gpio, false, true); }
static inline void gpio_disable_pulls(uint gpio) { gpio_set_pulls(gpio, false, false); }
/* Interrupts are not simulated: declared as in the SDK, not provided. */
typedef void (*gpio_irq_callback_t)(uint gpio, uint32_t event_mask);
void gpio_set_irq_enabled_with_callback(uint gpio, uint32_t event_mask, bool enabled, gpio_irq_callback_t callback);

#ifdef __cplusplus
}
#endif

#endif
