/* Platform macros of the SDK, for a host: sections and inlining hints mean nothing here. */
#ifndef _PICO_PLATFORM_H
#define _PICO_PLATFORM_H

#include "pico/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef __unused
#define __unused __attribute__((unused))
#endif
#ifndef __packed
#define __packed __attribute__((packed))
#endif
#ifndef __aligned
#define __aligned(x) __attribute__((aligned(x)))
#endif
#define __not_in_flash(group)
#define __not_in_flash_func(func_name) func_name
#define __time_critical_func(func_name) func_name
#define __no_inline_not_in_flash_func(func_name) __attribute__((noinline)) func_name
#define __in_flash(group)
#define __scratch_x(group)
#define __scratch_y(group)
#define __uninitialized_ram(group) group
#define __force_inline inline __attribute__((always_inline))
#define __noinline __attribute__((noinline))
#ifndef count_of
#define count_of(a) (sizeof(a) / sizeof((a)[0]))
#endif
#ifndef MAX
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#endif
#ifndef MIN
#define MIN(a, b) ((b) > (a) ? (a) : (b))
#endif
#define PICO_NO_FPGA_CHECK 1

static inline void tight_loop_contents(void) {}
static inline void __compiler_memory_barrier(void) { __asm__ volatile("" : : : "memory"); }
static inline uint get_core_num(void) { return 0; }
static inline void __breakpoint(void) { __builtin_trap(); }

/** Prints the message to stdout and stops the program (the runner reports it as a trap). */
void panic(const char *fmt, ...) __attribute__((noreturn, format(printf, 1, 2)));
void panic_unsupported(void) __attribute__((noreturn));
void hard_assertion_failure(void) __attribute__((noreturn));
#define hard_assert(x) ((void)((x) ? 0 : (hard_assertion_failure(), 0)))
#define invalid_params_if(x, test) ((void)0)
#define valid_params_if(x, test) ((void)0)

uint8_t rp2040_chip_version(void);
uint8_t rp2040_rom_version(void);

#ifdef __cplusplus
}
#endif

#endif
