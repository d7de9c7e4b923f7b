/* pico_time on a host: the clock is the host's (virtual in deterministic mode), and every
 * wait goes through pico_idle_until(), which yields to the host. In the threadsafe_background
 * cyw43_arch the network's work runs inside waits, as its interrupts would on a device. */
#include <time.h>

#include "pico/time.h"
#include "pico_host.h"

const absolute_time_t at_the_end_of_time = (absolute_time_t)INT64_MAX;
const absolute_time_t nil_time = 0;

static void (*background_service)(void);
static double (*background_next_us)(void);
static int in_background;

void pico_set_background(void (*service)(void), double (*next_us)(void)) {
  background_service = service;
  background_next_us = next_us;
}

uint64_t time_us_64(void) {
  return (uint64_t)pico_host_time_us();
}

absolute_time_t get_absolute_time(void) {
  return time_us_64();
}

static void run_background(void) {
  in_background = 1;
  background_service();
  in_background = 0;
}

void pico_idle_until(double until_us, int wake_on_input) {
  /* Background work never nests: a callback that sleeps just waits. */
  int background = background_service != NULL && !in_background;
  for (;;) {
    double target = until_us;
    if (background) {
      run_background();
      double next = background_next_us();
      if (next < target) target = next;
    }
    double now = pico_host_time_us();
    if (now >= until_us) return;
    /* In the background mode a frame wakes the wait: the network runs, the sleep goes on. */
    if (target > now) pico_host_wait(target, wake_on_input || background);
    pico_stdio_poll();
    if (wake_on_input) {
      if (background) run_background();
      return; /* the caller checks what it waits for */
    }
  }
}

void sleep_until(absolute_time_t target) {
  if (is_at_the_end_of_time(target)) {
    for (;;) pico_idle_until(1e300, 0);
  }
  pico_idle_until((double)target, 0);
}

void sleep_us(uint64_t us) {
  sleep_until(delayed_by_us(get_absolute_time(), us));
}

void sleep_ms(uint32_t ms) {
  sleep_us((uint64_t)ms * 1000u);
}

bool best_effort_wfe_or_timeout(absolute_time_t timeout_timestamp) {
  pico_idle_until((double)timeout_timestamp, 1);
  return time_us_64() >= timeout_timestamp;
}

/* Busy waits burn no host CPU: they wait as sleeps do, but never run background work
 * (on a device, interrupts would still run; programs use them for short delays). */
void busy_wait_until(absolute_time_t t) {
  while (time_us_64() < t) pico_host_wait((double)t, 0);
}
void busy_wait_us(uint64_t delay_us) {
  busy_wait_until(delayed_by_us(get_absolute_time(), delay_us));
}
void busy_wait_us_32(uint32_t delay_us) {
  busy_wait_us(delay_us);
}
void busy_wait_ms(uint32_t delay_ms) {
  busy_wait_us((uint64_t)delay_ms * 1000u);
}

/* The C library's time(): on a Pico W it counts from boot until the program sets the
 * clock (the SDK's settimeofday / aon timer, not provided here), and so it does here: the
 * same value natively and in WASM, and deterministic with the virtual clock. */
time_t time(time_t *out) {
  time_t now = (time_t)(time_us_64() / 1000000u);
  if (out) *out = now;
  return now;
}
