/* pico/unique_id.h: the board id, derived here from the program's MAC (one per run). */
#ifndef _PICO_UNIQUE_ID_H
#define _PICO_UNIQUE_ID_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define PICO_UNIQUE_BOARD_ID_SIZE_BYTES 8

typedef struct {
  uint8_t id[PICO_UNIQUE_BOARD_ID_SIZE_BYTES];
} pico_unique_board_id_t;

void pico_get_unique_board_id(pico_unique_board_id_t *id_out);
void pico_get_unique_board_id_string(char *id_out, uint len);

#ifdef __cplusplus
}
#endif

#endif
