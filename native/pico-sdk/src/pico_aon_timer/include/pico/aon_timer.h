/* pico/aon_timer.h: the "always on" timer, the SDK's clock of the date (the RTC on RP2040,
 * the powman timer on RP2350). Programs start it with the time they learned (SNTP, say),
 * and it counts on from there. On a host it is a wall clock of the program's own, counted
 * from the monotonic clock (virtual in deterministic mode): unset until started, then the
 * time it was given plus the time since. The C library's time() is not tied to it, as on
 * a device (there it follows settimeofday). */
#ifndef _PICO_AON_TIMER_H
#define _PICO_AON_TIMER_H

#include <time.h>

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Starts the timer at `ts` (it keeps counting). */
void aon_timer_start(const struct timespec *ts);
/** Stops it (aon_timer_get_time then keeps the time it stopped at). */
void aon_timer_stop(void);
/** Sets a new current time (the timer keeps running, or stays stopped). */
void aon_timer_set_time(const struct timespec *ts);
/** The current time (zero before it was ever started). */
void aon_timer_get_time(struct timespec *ts);
/** The resolution: 1 µs on a host (1 s with the RP2040's RTC). */
void aon_timer_get_resolution(struct timespec *ts);
bool aon_timer_is_running(void);

/* Declared as in the SDK, not provided by this host SDK (a program that calls them fails to
 * link, naming the function): the start from gettimeofday() and the alarms. */
typedef void (*aon_timer_alarm_handler_t)(void);
void aon_timer_start_with_timeofday(void);
aon_timer_alarm_handler_t aon_timer_enable_alarm(const struct timespec *ts, aon_timer_alarm_handler_t handler, bool wakeup_from_low_power);
void aon_timer_disable_alarm(void);

#ifdef __cplusplus
}
#endif

#endif
