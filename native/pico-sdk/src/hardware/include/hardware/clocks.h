/* hardware/clocks.h: the host's clock is not the RP2040's. The frequencies read as the
 * board's defaults; changing them is declared as in the SDK but not provided (a call
 * fails to link, naming the function). */
#ifndef _HARDWARE_CLOCKS_H
#define _HARDWARE_CLOCKS_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

enum clock_index { clk_gpout0 = 0, clk_gpout1, clk_gpout2, clk_gpout3, clk_ref, clk_sys, clk_peri, clk_usb, clk_adc, clk_rtc, CLK_COUNT };
typedef enum clock_index clock_handle_t;

static inline uint32_t clock_get_hz(clock_handle_t clock) {
  return clock == clk_sys ? 125000000u : clock == clk_usb || clock == clk_adc ? 48000000u : 12000000u;
}
bool clock_configure(clock_handle_t clock, uint32_t src, uint32_t auxsrc, uint32_t src_freq, uint32_t freq);
void clock_stop(clock_handle_t clock);
uint32_t frequency_count_khz(uint src);

#ifdef __cplusplus
}
#endif

#endif
