/* pico/time.h: absolute time, timeouts and sleeps. Time comes from the host clock (or the
 * runner's virtual clock in deterministic mode); sleeps yield to the host, and in the
 * threadsafe_background cyw43_arch the network runs while the program sleeps. */
#ifndef _PICO_TIME_H
#define _PICO_TIME_H

#include "pico.h"
#include "hardware/timer.h"

#ifdef __cplusplus
extern "C" {
#endif

static inline uint64_t to_us_since_boot(absolute_time_t t) { return t; }
static inline void update_us_since_boot(absolute_time_t *t, uint64_t us_since_boot) { *t = us_since_boot; }
static inline absolute_time_t from_us_since_boot(uint64_t us_since_boot) { return us_since_boot; }

absolute_time_t get_absolute_time(void);

static inline uint32_t to_ms_since_boot(absolute_time_t t) { return (uint32_t)(t / 1000u); }

static inline absolute_time_t delayed_by_us(const absolute_time_t t, uint64_t us) {
  uint64_t d = t + us;
  return d < t ? (absolute_time_t)INT64_MAX : d; /* saturates at the end of time */
}
static inline absolute_time_t delayed_by_ms(const absolute_time_t t, uint32_t ms) {
  return delayed_by_us(t, (uint64_t)ms * 1000u);
}
static inline absolute_time_t make_timeout_time_us(uint64_t us) { return delayed_by_us(get_absolute_time(), us); }
static inline absolute_time_t make_timeout_time_ms(uint32_t ms) { return delayed_by_ms(get_absolute_time(), ms); }
static inline int64_t absolute_time_diff_us(absolute_time_t from, absolute_time_t to) { return (int64_t)(to - from); }
static inline absolute_time_t absolute_time_min(absolute_time_t a, absolute_time_t b) { return a < b ? a : b; }

extern const absolute_time_t at_the_end_of_time;
extern const absolute_time_t nil_time;
static inline bool is_at_the_end_of_time(absolute_time_t t) { return t == (absolute_time_t)INT64_MAX; }
static inline bool is_nil_time(absolute_time_t t) { return t == 0; }

void sleep_until(absolute_time_t target);
void sleep_us(uint64_t us);
void sleep_ms(uint32_t ms);
/** Waits until the timeout or an event (a frame, stdin); true when the timeout passed. */
bool best_effort_wfe_or_timeout(absolute_time_t timeout_timestamp);

/* Alarms and repeating timers: declared as in the SDK, not provided by this host SDK (a
 * program that calls them fails to link, naming the function). */
typedef int32_t alarm_id_t;
typedef int64_t (*alarm_callback_t)(alarm_id_t id, void *user_data);
typedef struct alarm_pool alarm_pool_t;
alarm_id_t add_alarm_at(absolute_time_t time, alarm_callback_t callback, void *user_data, bool fire_if_past);
alarm_id_t add_alarm_in_us(uint64_t us, alarm_callback_t callback, void *user_data, bool fire_if_past);
alarm_id_t add_alarm_in_ms(uint32_t ms, alarm_callback_t callback, void *user_data, bool fire_if_past);
bool cancel_alarm(alarm_id_t alarm_id);
typedef struct repeating_timer repeating_timer_t;
typedef bool (*repeating_timer_callback_t)(repeating_timer_t *rt);
struct repeating_timer {
  int64_t delay_us;
  alarm_pool_t *pool;
  alarm_id_t alarm_id;
  repeating_timer_callback_t callback;
  void *user_data;
};
bool add_repeating_timer_us(int64_t delay_us, repeating_timer_callback_t callback, void *user_data, repeating_timer_t *out);
bool add_repeating_timer_ms(int32_t delay_ms, repeating_timer_callback_t callback, void *user_data, repeating_timer_t *out);
bool cancel_repeating_timer(repeating_timer_t *timer);

#ifdef __cplusplus
}
#endif

#endif
