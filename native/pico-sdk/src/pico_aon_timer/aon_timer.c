/* The always-on timer on a host: the time it was given, counted on by time_us_64(). */
#include "pico/aon_timer.h"
#include "pico/time.h"

static bool running;
static int64_t epoch_us_at_boot; /* the timer's time, µs since the Unix epoch, minus time_us_64() */
static int64_t stopped_us;       /* its time while stopped */

static int64_t to_us(const struct timespec *ts) {
  return (int64_t)ts->tv_sec * 1000000 + ts->tv_nsec / 1000;
}

void aon_timer_set_time(const struct timespec *ts) {
  if (running) epoch_us_at_boot = to_us(ts) - (int64_t)time_us_64();
  else stopped_us = to_us(ts);
}

void aon_timer_start(const struct timespec *ts) {
  running = true;
  aon_timer_set_time(ts);
}

void aon_timer_get_time(struct timespec *ts) {
  int64_t us = running ? epoch_us_at_boot + (int64_t)time_us_64() : stopped_us;
  ts->tv_sec = (time_t)(us / 1000000);
  ts->tv_nsec = (long)(us % 1000000) * 1000;
}

void aon_timer_stop(void) {
  if (!running) return;
  stopped_us = epoch_us_at_boot + (int64_t)time_us_64();
  running = false;
}

void aon_timer_get_resolution(struct timespec *ts) {
  ts->tv_sec = 0;
  ts->tv_nsec = 1000;
}

bool aon_timer_is_running(void) {
  return running;
}
