/* hardware/irq.h: no interrupts on the host (the network runs in the program's waits).
 * Declared as in the SDK, not provided. */
#ifndef _HARDWARE_IRQ_H
#define _HARDWARE_IRQ_H

#include "pico.h"

typedef void (*irq_handler_t)(void);
void irq_set_enabled(uint num, bool enabled);
void irq_set_exclusive_handler(uint num, irq_handler_t handler);
void irq_set_priority(uint num, uint8_t hardware_priority);

#endif
