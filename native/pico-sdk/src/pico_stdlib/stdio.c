/* pico_stdio on a host: printf is the C library's (to the host's stdout); input is the
 * host's stdin through the seam, so a wait for it yields like a sleep. */
#include <stdarg.h>
#include <stdio.h>

#include "pico/stdio.h"
#include "pico/time.h"
#include "pico_host.h"

bool stdio_init_all(void) { return true; }
bool stdio_deinit_all(void) { return true; }
bool stdio_usb_init(void) { return true; }
bool stdio_usb_connected(void) { return true; }
void stdio_uart_init(void) {}
void setup_default_uart(void) {}
void stdio_flush(void) { fflush(stdout); }
void stdio_set_translate_crlf(void *driver, bool translate) {
  (void)driver;
  (void)translate;
}

/* One byte read ahead, so that stdio_set_chars_available_callback can be told input is
 * there before the program reads it. */
static int lookahead = -1;
static void (*chars_available)(void *);
static void *chars_available_param;

static int next_char(void) {
  int c = lookahead >= 0 ? lookahead : pico_host_getchar();
  lookahead = -1;
  return c;
}

void stdio_set_chars_available_callback(void (*fn)(void *), void *param) {
  chars_available = fn;
  chars_available_param = param;
}

void pico_stdio_poll(void) {
  if (!chars_available) return;
  if (lookahead < 0) lookahead = pico_host_getchar();
  if (lookahead >= 0) chars_available(chars_available_param);
}

int getchar_timeout_us(uint32_t timeout_us) {
  fflush(stdout);
  absolute_time_t deadline = make_timeout_time_us(timeout_us);
  for (;;) {
    int c = next_char();
    if (c >= 0) return c;
    if (time_us_64() >= deadline) return PICO_ERROR_TIMEOUT;
    pico_idle_until((double)deadline, 1);
  }
}
int stdio_getchar_timeout_us(uint32_t timeout_us) { return getchar_timeout_us(timeout_us); }

int putchar_raw(int c) { return putchar(c); }
int puts_raw(const char *s) { return puts(s); }
int stdio_putchar_raw(int c) { return putchar(c); }
int stdio_puts_raw(const char *s) { return puts(s); }
