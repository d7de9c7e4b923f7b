/* The Pico SDK's base header: types, error codes, platform macros (host SDK). */
#ifndef _PICO_H
#define _PICO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pico/types.h"
#include "pico/error.h"
#include "pico/platform.h"

#endif
