/* The board id: "E6605838" then the MAC's last four bytes, hex, uppercase when printed. */
#include <stdio.h>

#include "pico/unique_id.h"
#include "pico_host.h"

void pico_get_unique_board_id(pico_unique_board_id_t *id_out) {
  uint8_t mac[6];
  pico_mac(mac);
  static const uint8_t prefix[4] = {0xE6, 0x60, 0x58, 0x38};
  for (int i = 0; i < 4; i++) id_out->id[i] = prefix[i];
  for (int i = 0; i < 4; i++) id_out->id[4 + i] = mac[2 + i];
}

void pico_get_unique_board_id_string(char *id_out, uint len) {
  pico_unique_board_id_t id;
  pico_get_unique_board_id(&id);
  if (len == 0) return;
  uint pos = 0;
  for (int i = 0; i < PICO_UNIQUE_BOARD_ID_SIZE_BYTES && pos + 2 < len; i++) {
    snprintf(id_out + pos, 3, "%02X", id.id[i]);
    pos += 2;
  }
  id_out[pos] = 0;
}
