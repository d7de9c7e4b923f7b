/* The cross-check scenario, written once in C for the native harness; test/crosscheck.test.ts
 * drives two WASM instances through exactly the same calls in the same order. Every
 * frame on the link is printed as "<side> <hex>"; the two outputs must be identical.
 *
 * Determinism: each side's randomness is xorshift64* from a fixed seed, the monotonic
 * clock is virtual (advanced 100 ms only when nothing is queued), wall time is fixed.
 * Frames are delivered one at a time in FIFO order; events are handled one at a time,
 * after the C call that raised them has returned.
 */
#ifndef LMW_CROSSCHECK_SCENARIO_H
#define LMW_CROSSCHECK_SCENARIO_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmw_api.h"

/* ---- xorshift64* ---- */
typedef struct { uint64_t s; } xs_rng;
static void xs_seed(xs_rng *r, uint64_t seed) { r->s = seed * 0x9E3779B97F4A7C15ull + 1; }
static uint64_t xs_next(xs_rng *r) {
  uint64_t x = r->s;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  r->s = x;
  return x * 0x2545F4914F6CDD1Dull;
}
/* Fills 8 bytes per step, little-endian; the rest of the last word is discarded. */
static void xs_fill(xs_rng *r, uint8_t *buf, size_t len) {
  for (size_t i = 0; i < len; i += 8) {
    uint64_t v = xs_next(r);
    for (size_t j = 0; j < 8 && i + j < len; j++) buf[i + j] = (uint8_t)(v >> (8 * j));
  }
}

/* ---- the functions the scenario calls ---- */
#define LMW_CROSSCHECK_FUNCTIONS                                                                          \
  X(int, lmw_init, (void))                                                                                \
  X(uint32_t, lmw_timers_run, (void))                                                                     \
  X(int, lmw_netif_add, (uint32_t, const uint8_t *, const char *, const char *, const char *, int, lmw_netif **)) \
  X(int, lmw_netif_input, (lmw_netif *, uint8_t *, size_t))                                               \
  X(int, lmw_tls_config_client, (const uint8_t *, size_t, int *, lmw_tls_config **))                      \
  X(int, lmw_tls_config_server, (const uint8_t *, size_t, const uint8_t *, size_t, lmw_tls_config **))    \
  X(int, lmw_tls_config_set_versions, (lmw_tls_config *, int, int))                                       \
  X(int, lmw_conn_new, (uint32_t, lmw_tls_config *, lmw_conn **))                                         \
  X(int, lmw_conn_new_server, (uint32_t, lmw_tls_config *, lmw_conn **))                                  \
  X(int, lmw_conn_set_hostname, (lmw_conn *, const char *))                                               \
  X(int, lmw_conn_connect, (lmw_conn *, const char *, uint16_t))                                          \
  X(int, lmw_conn_listen, (lmw_conn *, const char *, uint16_t, int))                                      \
  X(int, lmw_conn_accept, (lmw_conn *, uint32_t, lmw_conn **))                                            \
  X(int, lmw_conn_write, (lmw_conn *, const uint8_t *, size_t, size_t *))                                 \
  X(int, lmw_conn_read, (lmw_conn *, uint8_t *, size_t, size_t *))                                        \
  X(int, lmw_conn_close, (lmw_conn *))

typedef struct {
#define X(ret, name, args) ret(*name) args;
  LMW_CROSSCHECK_FUNCTIONS
#undef X
} cc_api;

/* ---- queues ---- */
#define CC_MAX_FRAMES 4096
#define CC_MAX_EVENTS 4096
typedef struct { int side; size_t len; uint8_t data[1600]; } cc_frame_t;
typedef struct { int side; uint32_t object; int kind; int32_t arg; } cc_event_t;
static cc_frame_t *cc_frames;
static size_t cc_frames_head, cc_frames_tail;
static cc_event_t cc_events[CC_MAX_EVENTS];
static size_t cc_events_head, cc_events_tail;

static void cc_event(int side, uint32_t object, int kind, int32_t arg) {
  if (cc_events_tail < CC_MAX_EVENTS) cc_events[cc_events_tail++] = (cc_event_t){side, object, kind, arg};
}

static void cc_frame(int side, const uint8_t *frame, size_t len) {
  if (cc_frames == NULL) cc_frames = calloc(CC_MAX_FRAMES, sizeof *cc_frames);
  if (cc_frames_tail >= CC_MAX_FRAMES || len > sizeof cc_frames[0].data) return;
  cc_frames[cc_frames_tail].side = side;
  cc_frames[cc_frames_tail].len = len;
  memcpy(cc_frames[cc_frames_tail].data, frame, len);
  cc_frames_tail++;
}

/* ---- the scenario ---- */
static int cc_run(const cc_api *a, const cc_api *b, const uint8_t *ca, size_t ca_len, const uint8_t *cert,
                  size_t cert_len, const uint8_t *key, size_t key_len, int max_version, uint32_t *now_ms) {
  const cc_api *api[2] = {a, b};
  lmw_netif *nif[2];
  static const uint8_t mac_a[6] = {2, 0, 0, 0, 0, 0x0f}, mac_b[6] = {2, 0, 0, 0, 0, 0x02};
  lmw_tls_config *ccfg, *scfg;
  lmw_conn *client, *listener, *server = NULL;
  char received[256] = "";
  size_t received_len = 0;
  int client_closed = 0, server_closed = 0;

  if (a->lmw_init() || b->lmw_init()) return 3;
  if (a->lmw_netif_add(1, mac_a, "10.0.2.15", "255.255.255.0", "10.0.2.2", 1, &nif[0])) return 3;
  if (b->lmw_netif_add(1, mac_b, "10.0.2.2", "255.255.255.0", "0.0.0.0", 1, &nif[1])) return 3;
  if (b->lmw_tls_config_server(cert, cert_len, key, key_len, &scfg)) return 4;
  b->lmw_tls_config_set_versions(scfg, 0, max_version);
  if (b->lmw_conn_new_server(100, scfg, &listener) || b->lmw_conn_listen(listener, "0.0.0.0", 443, 4)) return 5;
  if (a->lmw_tls_config_client(ca, ca_len, NULL, &ccfg)) return 6;
  a->lmw_tls_config_set_versions(ccfg, 0, max_version);
  if (a->lmw_conn_new(200, ccfg, &client) || a->lmw_conn_set_hostname(client, "localhost")) return 7;
  if (a->lmw_conn_connect(client, "10.0.2.2", 443)) return 7;

  for (int step = 0; step < 100000; step++) {
    if (cc_frames_head < cc_frames_tail) {
      cc_frame_t *f = &cc_frames[cc_frames_head++];
      printf("%d ", f->side);
      for (size_t i = 0; i < f->len; i++) printf("%02x", f->data[i]);
      printf("\n");
      api[1 - f->side]->lmw_netif_input(nif[1 - f->side], f->data, f->len);
      continue;
    }
    if (cc_events_head < cc_events_tail) {
      cc_event_t e = cc_events[cc_events_head++];
      uint8_t buf[256];
      size_t n = 0;
      if (e.side == 1 && e.object == 100 && e.kind == LMW_EV_ACCEPT) {
        b->lmw_conn_accept(listener, 101, &server);
      } else if (e.side == 0 && e.object == 200 && e.kind == LMW_EV_CONNECTED) {
        a->lmw_conn_write(client, (const uint8_t *)"hello", 5, &n);
      } else if (e.side == 1 && e.object == 101 && e.kind == LMW_EV_READABLE && server) {
        uint8_t reply[300] = "echo:";
        b->lmw_conn_read(server, buf, sizeof buf, &n);
        memcpy(reply + 5, buf, n);
        size_t written;
        b->lmw_conn_write(server, reply, 5 + n, &written);
        b->lmw_conn_close(server);
        server_closed = 1;
      } else if (e.side == 0 && e.object == 200 && e.kind == LMW_EV_READABLE) {
        a->lmw_conn_read(client, buf, sizeof buf, &n);
        if (received_len + n < sizeof received) {
          memcpy(received + received_len, buf, n);
          received_len += n;
        }
      } else if (e.side == 0 && e.object == 200 && (e.kind == LMW_EV_EOF || e.kind == LMW_EV_ERROR)) {
        if (!client_closed) a->lmw_conn_close(client);
        client_closed = 1;
      }
      continue;
    }
    if (client_closed && server_closed && step > 0) break;
    *now_ms += 100;
    a->lmw_timers_run();
    b->lmw_timers_run();
  }
  printf("received %s\n", received);
  fflush(stdout);
  return strcmp(received, "echo:hello") == 0 ? 0 : 1;
}

#endif
