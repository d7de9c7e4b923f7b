/* pico/stdio.h: the program's stdio is the host's stdin and stdout, whichever of USB or
 * UART the program enables. */
#ifndef _PICO_STDIO_H
#define _PICO_STDIO_H

#include <stdio.h>

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

bool stdio_init_all(void);
bool stdio_deinit_all(void);
void stdio_flush(void);
/** The next byte of stdin, or PICO_ERROR_TIMEOUT after `timeout_us`. */
int getchar_timeout_us(uint32_t timeout_us);
int stdio_getchar_timeout_us(uint32_t timeout_us);
int putchar_raw(int c);
int puts_raw(const char *s);
int stdio_putchar_raw(int c);
int stdio_puts_raw(const char *s);
bool stdio_usb_init(void);
bool stdio_usb_connected(void);
void stdio_uart_init(void);
void stdio_set_translate_crlf(void *driver, bool translate);
void stdio_set_chars_available_callback(void (*fn)(void *), void *param);

#ifdef __cplusplus
}
#endif

#endif
