/* hardware_adc on a host: the temperature sensor reads about 25 degC with a little noise;
 * other inputs read mid-scale. */
#include "hardware/adc.h"
#include "pico_host.h"

static uint selected;
static bool temp_enabled;

void adc_init(void) { selected = 0; }
void adc_gpio_init(uint gpio) {
  if (gpio < 26 || gpio > 29) panic("adc_gpio_init(%u): ADC pins are 26-29", gpio);
}
void adc_select_input(uint input) {
  if (input >= NUM_ADC_CHANNELS) panic("adc_select_input(%u): inputs are 0-4", input);
  selected = input;
}
uint adc_get_selected_input(void) { return selected; }
void adc_set_temp_sensor_enabled(bool enable) { temp_enabled = enable; }
void adc_set_round_robin(uint input_mask) { (void)input_mask; }

uint16_t adc_read(void) {
  int noise = (int)(pico_random32() % 5) - 2;
  if (selected == ADC_TEMPERATURE_CHANNEL_NUM) {
    /* 25 degC: V = 0.706 + 2 * 0.001721 = 0.7094 V -> 0.7094 * 4096 / 3.3 = 880.5 */
    return temp_enabled ? (uint16_t)(881 + noise) : 0;
  }
  return (uint16_t)(2048 + noise);
}
