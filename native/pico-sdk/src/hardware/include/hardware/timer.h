/* hardware/timer.h: the microsecond timer is the host's clock. */
#ifndef _HARDWARE_TIMER_H
#define _HARDWARE_TIMER_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

uint64_t time_us_64(void);
static inline uint32_t time_us_32(void) { return (uint32_t)time_us_64(); }
void busy_wait_us_32(uint32_t delay_us);
void busy_wait_us(uint64_t delay_us);
void busy_wait_ms(uint32_t delay_ms);
void busy_wait_until(absolute_time_t t);
static inline bool time_reached(absolute_time_t t) { return time_us_64() >= t; }

#ifdef __cplusplus
}
#endif

#endif
