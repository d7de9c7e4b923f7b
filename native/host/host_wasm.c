/* WASM host hooks: imports from wasm/library_lmw.js, plus the C-side glue that keeps
 * each JavaScript call small (random is fetched in bounded chunks, because
 * crypto.getRandomValues fills at most 65536 bytes per call). */
#ifdef __EMSCRIPTEN__
#include "host.h"

extern double lmw_host_wall_time_s(void);
extern int lmw_host_random_js(uint8_t *buf, size_t len);

#define LMW_RANDOM_CHUNK 65536u

int64_t lmw_host_wall_time(void) {
  return (int64_t)lmw_host_wall_time_s();
}

int lmw_host_random(uint8_t *buf, size_t len) {
  while (len > 0) {
    size_t n = len < LMW_RANDOM_CHUNK ? len : LMW_RANDOM_CHUNK;
    if (lmw_host_random_js(buf, n) != 0) return -1;
    buf += n;
    len -= n;
  }
  return 0;
}
#endif
