/* Native half of the native-vs-WASM cross-check (test/crosscheck.test.ts runs the same
 * scenario over two WASM instances): two lwIP stacks in one process - liblmw.so loaded
 * twice with dlmopen, so each copy has its own lwIP globals - on a virtual Ethernet link,
 * a TLS client and server over altcp_tls, with a seeded RNG and a virtual clock. It
 * prints every frame on the link as hex, one per line: the WASM run must print the same.
 *
 *   lmw_crosscheck <liblmw.so> <ca.pem> <cert.pem> <key.pem> <wall-time-s> <max-version 0x0303|0x0304>
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crosscheck_scenario.h"

typedef struct {
  void *lib;
#define X(ret, name, args) ret(*name) args;
  LMW_CROSSCHECK_FUNCTIONS
#undef X
  void (*set_now_ms)(uint32_t (*)(void));
  void (*set_wall_time)(int64_t (*)(void));
  void (*set_random)(int (*)(uint8_t *, size_t));
  void (*set_event)(void (*)(uint32_t, int, int32_t));
  void (*set_link_output)(void (*)(uint32_t, const uint8_t *, size_t));
  void (*set_log)(void (*)(int, const char *, size_t));
} lib_t;

static uint32_t now_ms = 1000;
static int64_t wall_time;
static uint32_t now_fn(void) { return now_ms; }
static int64_t wall_fn(void) { return wall_time; }
static void log_fn(int source, const char *text, size_t len) { (void)source; (void)text; (void)len; }

/* Each copy of the library reports to its own side (0 = client, 1 = server). */
static xs_rng rng[2];
static int rng0(uint8_t *b, size_t n) { xs_fill(&rng[0], b, n); return 0; }
static int rng1(uint8_t *b, size_t n) { xs_fill(&rng[1], b, n); return 0; }
static void ev0(uint32_t o, int k, int32_t a) { cc_event(0, o, k, a); }
static void ev1(uint32_t o, int k, int32_t a) { cc_event(1, o, k, a); }
static void out0(uint32_t id, const uint8_t *f, size_t n) { (void)id; cc_frame(0, f, n); }
static void out1(uint32_t id, const uint8_t *f, size_t n) { (void)id; cc_frame(1, f, n); }

static void load(lib_t *l, const char *path) {
  l->lib = dlmopen(LM_ID_NEWLM, path, RTLD_NOW | RTLD_LOCAL);
  if (!l->lib) {
    fprintf(stderr, "dlmopen %s: %s\n", path, dlerror());
    exit(2);
  }
#define SYM(field, name)                                         \
  do {                                                           \
    *(void **)&l->field = dlsym(l->lib, name);                   \
    if (!l->field) { fprintf(stderr, "missing %s\n", name); exit(2); } \
  } while (0)
#define X(ret, name, args) SYM(name, #name);
  LMW_CROSSCHECK_FUNCTIONS
#undef X
  SYM(set_now_ms, "lmw_host_set_now_ms");
  SYM(set_wall_time, "lmw_host_set_wall_time");
  SYM(set_random, "lmw_host_set_random");
  SYM(set_event, "lmw_host_set_event");
  SYM(set_link_output, "lmw_host_set_link_output");
  SYM(set_log, "lmw_host_set_log");
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) { perror(path); exit(2); }
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (fread(buf, 1, (size_t)n, f) != (size_t)n) { perror(path); exit(2); }
  buf[n] = 0;
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static lib_t libs[2];

/* The scenario (crosscheck_scenario.h) calls each copy of the library through a table. */
static const cc_api *cc_api_for(int side) {
  static cc_api apis[2];
  lib_t *l = &libs[side];
#define X(ret, name, args) apis[side].name = l->name;
  LMW_CROSSCHECK_FUNCTIONS
#undef X
  return &apis[side];
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s <liblmw.so> <ca.pem> <cert.pem> <key.pem> <wall-time-s> <max-version>\n", argv[0]);
    return 2;
  }
  wall_time = strtoll(argv[5], NULL, 10);
  int max_version = (int)strtol(argv[6], NULL, 0);
  for (int i = 0; i < 2; i++) {
    load(&libs[i], argv[1]);
    libs[i].set_now_ms(now_fn);
    libs[i].set_wall_time(wall_fn);
    libs[i].set_log(log_fn);
  }
  xs_seed(&rng[0], 1);
  xs_seed(&rng[1], 2);
  libs[0].set_random(rng0);
  libs[1].set_random(rng1);
  libs[0].set_event(ev0);
  libs[1].set_event(ev1);
  libs[0].set_link_output(out0);
  libs[1].set_link_output(out1);

  size_t ca_len, cert_len, key_len;
  char *ca = slurp(argv[2], &ca_len), *cert = slurp(argv[3], &cert_len), *key = slurp(argv[4], &key_len);
  int rc = cc_run(cc_api_for(0), cc_api_for(1), (uint8_t *)ca, ca_len, (uint8_t *)cert, cert_len, (uint8_t *)key,
                  key_len, max_version, &now_ms);
  return rc;
}
