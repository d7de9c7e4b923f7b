/* The Pico SDK's base header: types, error codes, platform macros (host SDK). */
#ifndef _PICO_H
#define _PICO_H

#include <assert.h> /* as the SDK's pico.h (through pico/assert.h): programs use assert() */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pico/types.h"
#include "pico/error.h"
#include "pico/platform.h"

#endif
