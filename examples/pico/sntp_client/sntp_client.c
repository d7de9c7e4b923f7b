/* An SNTP client as a Pico W program: lwIP's sntp app asks NTP_SERVER (resolved by DNS) the
 * time; lwIP hands the answer to SNTP_SET_SYSTEM_TIME (lwipopts.h), which starts the
 * always-on timer at it, as a Pico keeps the date; main polls lwIP (poll mode) until the
 * clock is set, then prints the date the timer holds. */
#include <time.h>

#include "example_wifi.h"
#include "pico/aon_timer.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "lwip/apps/sntp.h"

#define TIMEOUT_MS 20000

static bool clock_set;

void sntp_client_set_time(uint32_t sec) {
  struct timespec ts = {.tv_sec = (time_t)sec, .tv_nsec = 0};
  if (aon_timer_is_running()) {
    aon_timer_set_time(&ts);
  } else {
    aon_timer_start(&ts);
  }
  clock_set = true;
}

/* Before the clock is set, the transmit timestamp counts from boot (from 1970, that is). */
void sntp_client_get_time(uint32_t *sec, uint32_t *us) {
  struct timespec ts;
  if (aon_timer_is_running()) {
    aon_timer_get_time(&ts);
  } else {
    uint64_t t = time_us_64();
    ts.tv_sec = (time_t)(t / 1000000u);
    ts.tv_nsec = (long)(t % 1000000u) * 1000;
  }
  *sec = (uint32_t)ts.tv_sec;
  *us = (uint32_t)(ts.tv_nsec / 1000);
}

int main(void) {
  if (example_join_wifi()) return 1;
  printf("asking %s the time\n", NTP_SERVER);
  sntp_setoperatingmode(SNTP_OPMODE_POLL);
  sntp_setservername(0, NTP_SERVER);
  sntp_init();
  absolute_time_t deadline = make_timeout_time_ms(TIMEOUT_MS);
  while (!clock_set && absolute_time_diff_us(get_absolute_time(), deadline) > 0) {
    cyw43_arch_poll();
    cyw43_arch_wait_for_work_until(deadline);
  }
  sntp_stop();
  if (!clock_set) {
    printf("no time from %s within %d s\n", NTP_SERVER, TIMEOUT_MS / 1000);
    cyw43_arch_deinit();
    return 1;
  }
  struct timespec now;
  aon_timer_get_time(&now);
  struct tm utc;
  gmtime_r(&now.tv_sec, &utc);
  printf("time set: %04d-%02d-%02d %02d:%02d:%02d UTC\n", utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour,
         utc.tm_min, utc.tm_sec);
  cyw43_arch_deinit();
  return 0;
}
