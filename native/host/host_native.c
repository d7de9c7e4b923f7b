/* Native host hooks: the operating system by default, each replaceable by a harness. */
#ifndef __EMSCRIPTEN__
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <sys/random.h>
#include <time.h>

#include "host.h"

static uint32_t os_now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

static int64_t os_wall_time(void) {
  return (int64_t)time(NULL);
}

/* getrandom() may return fewer bytes than asked (signals, >32 MiB): loop until full. */
static int os_random(uint8_t *buf, size_t len) {
  while (len > 0) {
    ssize_t n = getrandom(buf, len, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    buf += n;
    len -= (size_t)n;
  }
  return 0;
}

static void os_log(int source, const char *text, size_t len) {
  fprintf(stderr, "[%d] %.*s\n", source, (int)len, text);
}

static void no_event(uint32_t object, int kind, int32_t arg) {
  (void)object; (void)kind; (void)arg;
}

static void no_link_output(uint32_t link_id, const uint8_t *frame, size_t len) {
  (void)link_id; (void)frame; (void)len;
}

static void no_router_udp(const uint8_t *packet, size_t len) {
  (void)packet; (void)len;
}

static void stdout_app_data(uint32_t user_id, const uint8_t *data, size_t len) {
  (void)user_id;
  fwrite(data, 1, len, stdout);
}

static lmw_app_data_fn app_data_fn = stdout_app_data;
static lmw_router_udp_fn router_udp_fn = no_router_udp;
static lmw_now_ms_fn now_ms_fn = os_now_ms;
static lmw_wall_time_fn wall_time_fn = os_wall_time;
static lmw_random_fn random_fn = os_random;
static lmw_log_fn log_fn = os_log;
static lmw_event_fn event_fn = no_event;
static lmw_link_output_fn link_output_fn = no_link_output;

uint32_t lmw_host_now_ms(void) { return now_ms_fn(); }
int64_t lmw_host_wall_time(void) { return wall_time_fn(); }
int lmw_host_random(uint8_t *buf, size_t len) { return random_fn(buf, len); }
void lmw_host_log(int source, const char *text, size_t len) { log_fn(source, text, len); }
void lmw_host_event(uint32_t object, int kind, int32_t arg) { event_fn(object, kind, arg); }
void lmw_host_link_output(uint32_t link_id, const uint8_t *frame, size_t len) { link_output_fn(link_id, frame, len); }

void lmw_host_router_udp(const uint8_t *packet, size_t len) { router_udp_fn(packet, len); }
void lmw_host_set_router_udp(lmw_router_udp_fn fn) { router_udp_fn = fn ? fn : no_router_udp; }
void lmw_host_app_data(uint32_t user_id, const uint8_t *data, size_t len) { app_data_fn(user_id, data, len); }
void lmw_host_set_app_data(lmw_app_data_fn fn) { app_data_fn = fn ? fn : stdout_app_data; }
void lmw_host_set_now_ms(lmw_now_ms_fn fn) { now_ms_fn = fn ? fn : os_now_ms; }
void lmw_host_set_wall_time(lmw_wall_time_fn fn) { wall_time_fn = fn ? fn : os_wall_time; }
void lmw_host_set_random(lmw_random_fn fn) { random_fn = fn ? fn : os_random; }
void lmw_host_set_log(lmw_log_fn fn) { log_fn = fn ? fn : os_log; }
void lmw_host_set_event(lmw_event_fn fn) { event_fn = fn ? fn : no_event; }
void lmw_host_set_link_output(lmw_link_output_fn fn) { link_output_fn = fn ? fn : no_link_output; }
#endif
