/* The host seam of the host Pico SDK: everything a Pico program's world needs from outside
 * the C code. One implementation per platform:
 *   host_wasm.c   imports implemented by the runner in JavaScript (library_pico.js);
 *   host_native.c the OS, plus a stream socket to the runner (QEMU -netdev stream framing).
 * Everything above this seam (time, the simulated access point, the cyw43 netif, the
 * deterministic RNG) is shared C, so native and WASM programs behave alike.
 *
 * Only pico_host_wait() blocks. In WASM it is the one asynchronous import (ASYNCIFY): the
 * program's stack is unwound, the runner's event loop runs, and the call returns later.
 */
#ifndef PICO_HOST_H
#define PICO_HOST_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Monotonic microseconds since the program started (virtual in deterministic mode). */
double pico_host_time_us(void);
/** Seconds since the Unix epoch (fixed in deterministic mode). */
double pico_host_wall_time_s(void);
/** Cryptographic randomness (unused in deterministic mode, where host_common.c's seeded
 *  generator serves). Fills exactly `len` bytes. */
void pico_host_random(uint8_t *buf, size_t len);

/** Sends one Ethernet frame on the program's link (dropped when there is no link). */
void pico_host_link_send(const uint8_t *frame, size_t len);
/** Copies the next received frame into `buf`; returns its length, 0 when none is queued.
 *  A frame longer than `cap` is dropped (returns -1). Never blocks. */
int pico_host_link_recv(uint8_t *buf, size_t cap);

/** Blocks until `until_us` (pico_host_time_us's clock) or, when `wake_on_input`, until a
 *  frame or stdin input is waiting; it may return earlier. The only call that yields to
 *  the host. */
void pico_host_wait(double until_us, int wake_on_input);

/** The next byte of the host's stdin, or -1 when none is available now. */
int pico_host_getchar(void);

/** Run-time settings from the runner (NUL-terminated into `buf`); returns the length or -1
 *  when unset. */
enum {
  PICO_HOST_CFG_SSID = 1,     /* the simulated access point's SSID */
  PICO_HOST_CFG_PASSWORD = 2, /* its password (empty: an open network) */
  PICO_HOST_CFG_SEED = 3,     /* deterministic mode: the seed, decimal */
  PICO_HOST_CFG_MAC = 4,      /* the program's MAC, "28:cd:c1:xx:xx:xx" */
  PICO_HOST_CFG_KEYLOG = 5,   /* "1": the runner wants the TLS key log (pico_host_keylog) */
  PICO_HOST_CFG_RANDOM_SOURCE = 6, /* what pico_host_random draws from, in words */
};
int pico_host_config(int key, char *buf, size_t cap);

/** An output pin changed: 0-29 the RP2040's GPIOs, 64 + n the Wi-Fi chip's (64 is the LED). */
void pico_host_gpio(int pin, int value);

/** One NSS key log line (no newline) of a TLS connection the program made or accepted. */
void pico_host_keylog(const char *line);

/** The program stops abnormally (panic, hard_assert): the message is on stdout already. */
void pico_host_abort(void) __attribute__((noreturn));

/* ---- shared C on top of the seam ---- */
/** Waits until `until_us`; in background mode the network runs meanwhile (pico_stdlib/time.c). */
void pico_idle_until(double until_us, int wake_on_input);
/** Tells stdio_set_chars_available_callback's callback, if any, that input is waiting
 *  (pico_stdlib/stdio.c; called after each wait). */
void pico_stdio_poll(void);
/** Background work (the threadsafe_background cyw43_arch registers it): `service` runs due
 *  network work and `next_us` says when work is next due. */
void pico_set_background(void (*service)(void), double (*next_us)(void));
/** Randomness for lwIP and Mbed TLS: the host's, or the seeded generator in deterministic mode. */
void pico_random_fill(uint8_t *buf, size_t len);
uint32_t pico_random32(void);
/** What pico_random_fill draws from, in words (the runner's PICO_HOST_CFG_RANDOM_SOURCE,
 *  or deterministic mode's generator with its seed). */
const char *pico_random_source(void);
/** Non-zero in deterministic mode. */
int pico_deterministic(void);
/** The program's MAC address (the runner's PICO_HOST_CFG_MAC, else 28:cd:c1:00:00:01). */
void pico_mac(uint8_t mac[6]);

#ifdef __cplusplus
}
#endif

#endif
