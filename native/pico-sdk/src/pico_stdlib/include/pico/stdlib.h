/* pico/stdlib.h: what most Pico programs include first. */
#ifndef _PICO_STDLIB_H
#define _PICO_STDLIB_H

#include "pico.h"
#include "pico/stdio.h"
#include "pico/time.h"
#include "hardware/gpio.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef PICO_DEFAULT_UART
#define PICO_DEFAULT_UART 0
#endif

void setup_default_uart(void);
/* Clocks are the host's: declared as in the SDK, not provided (a call fails to link). */
bool set_sys_clock_khz(uint32_t freq_khz, bool required);
void set_sys_clock_48mhz(void);

#ifdef __cplusplus
}
#endif

#endif
