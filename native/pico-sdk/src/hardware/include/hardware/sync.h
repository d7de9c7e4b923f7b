/* hardware/sync.h: one core, no interrupts on a host; the barriers are compiler barriers. */
#ifndef _HARDWARE_SYNC_H
#define _HARDWARE_SYNC_H

#include "pico.h"

static inline void __sev(void) {}
static inline void __wfe(void) {}
static inline void __wfi(void) {}
static inline void __dmb(void) { __compiler_memory_barrier(); }
static inline void __dsb(void) { __compiler_memory_barrier(); }
static inline void __isb(void) { __compiler_memory_barrier(); }
static inline uint32_t save_and_disable_interrupts(void) { return 0; }
static inline void restore_interrupts(uint32_t status) { (void)status; }
static inline void restore_interrupts_from_disabled(uint32_t status) { (void)status; }

#endif
