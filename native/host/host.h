/* Host hooks: everything lwIP and Mbed TLS need from the world outside the C code.
 *
 * In WASM these are imports implemented in JavaScript (wasm/library_lmw.js calls the
 * `lmwHost` object the TypeScript loader installs); natively they default to the OS
 * (clock_gettime, time, getrandom) and a harness may replace each one with
 * lmw_host_set_*() - the seam for a deterministic test mode (fixed clock, seeded RNG).
 */
#ifndef LMW_HOST_H
#define LMW_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Monotonic milliseconds (wraps at 2^32, as lwIP expects). */
uint32_t lmw_host_now_ms(void);
/** Wall-clock seconds since the Unix epoch (certificate validity, TLS tickets). */
int64_t lmw_host_wall_time(void);
/** Fills exactly `len` bytes with cryptographically strong randomness; 0 on success. */
int lmw_host_random(uint8_t *buf, size_t len);
/** 32 random bits for lwIP (ports, ISNs, DNS ids). */
uint32_t lmw_host_rand32(void);

/** Log levels of lmw_host_log(). */
enum { LMW_LOG_LWIP = 1, LMW_LOG_MBEDTLS = 2, LMW_LOG_APP = 3, LMW_LOG_ASSERT = 4, LMW_LOG_KEYLOG = 5 };
/** One line of diagnostic text (not NUL-terminated necessarily; `len` bytes). */
void lmw_host_log(int source, const char *text, size_t len);
/** printf-style diagnostics from LWIP_PLATFORM_DIAG. */
void lmw_host_diag(const char *fmt, ...);
/** An lwIP assertion failed: reported and counted, not fatal. */
void lmw_host_assert_failed(const char *msg, const char *file, int line);
/** Number of failed lwIP assertions since start-up. */
uint32_t lmw_host_assert_count(void);

/** Notifies the host that `object` has an event (see lmw_api.h LMW_EV_*). Never re-enters C. */
void lmw_host_event(uint32_t object, int kind, int32_t arg);
/** An Ethernet frame leaves netif `link_id`; the host copies it before returning. */
void lmw_host_link_output(uint32_t link_id, const uint8_t *frame, size_t len);

/** The router got a UDP datagram from the device for another address: the raw IPv4
 *  packet (header included); the host copies it before returning. */
void lmw_host_router_udp(const uint8_t *packet, size_t len);

/** Application data of a C app (the HTTPS client's response bytes) for request `user_id`;
 *  the host copies it before returning. Natively: stdout by default. */
void lmw_host_app_data(uint32_t user_id, const uint8_t *data, size_t len);

#ifndef __EMSCRIPTEN__
/* Native-only seams for a harness (the WASM host is replaced on the JavaScript side). */
typedef uint32_t (*lmw_now_ms_fn)(void);
typedef int64_t (*lmw_wall_time_fn)(void);
typedef int (*lmw_random_fn)(uint8_t *buf, size_t len);
typedef void (*lmw_log_fn)(int source, const char *text, size_t len);
typedef void (*lmw_event_fn)(uint32_t object, int kind, int32_t arg);
typedef void (*lmw_link_output_fn)(uint32_t link_id, const uint8_t *frame, size_t len);
typedef void (*lmw_router_udp_fn)(const uint8_t *packet, size_t len);
void lmw_host_set_now_ms(lmw_now_ms_fn fn);
void lmw_host_set_wall_time(lmw_wall_time_fn fn);
void lmw_host_set_random(lmw_random_fn fn);
void lmw_host_set_log(lmw_log_fn fn);
void lmw_host_set_event(lmw_event_fn fn);
void lmw_host_set_link_output(lmw_link_output_fn fn);
void lmw_host_set_router_udp(lmw_router_udp_fn fn);
typedef void (*lmw_app_data_fn)(uint32_t user_id, const uint8_t *data, size_t len);
void lmw_host_set_app_data(lmw_app_data_fn fn);
#endif

#ifdef __cplusplus
}
#endif

#endif
