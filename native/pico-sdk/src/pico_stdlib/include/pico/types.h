#ifndef _PICO_TYPES_H
#define _PICO_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef unsigned int uint;

/** Microseconds since boot (the SDK's non-opaque form). */
typedef uint64_t absolute_time_t;

typedef struct {
  int16_t year;
  int8_t month;
  int8_t day;
  int8_t dotw;
  int8_t hour;
  int8_t min;
  int8_t sec;
} datetime_t;

#endif
