/* hardware/adc.h: a 12-bit ADC with 5 inputs; input 4 is the temperature sensor, which
 * reads as a chip at about 25 degC (27 - (V - 0.706) / 0.001721, V = raw * 3.3 / 4096). */
#ifndef _HARDWARE_ADC_H
#define _HARDWARE_ADC_H

#include "pico.h"

#ifdef __cplusplus
extern "C" {
#endif

#define NUM_ADC_CHANNELS 5
#define ADC_TEMPERATURE_CHANNEL_NUM 4

void adc_init(void);
void adc_gpio_init(uint gpio);
void adc_select_input(uint input);
uint adc_get_selected_input(void);
uint16_t adc_read(void);
void adc_set_temp_sensor_enabled(bool enable);
void adc_set_round_robin(uint input_mask);
/* The FIFO, DMA and free-running modes are not simulated: declared, not provided. */
void adc_run(bool run);
void adc_set_clkdiv(float clkdiv);
void adc_fifo_setup(bool en, bool dreq_en, uint16_t dreq_thresh, bool err_in_fifo, bool byte_shift);
uint16_t adc_fifo_get(void);
uint16_t adc_fifo_get_blocking(void);
void adc_fifo_drain(void);

#ifdef __cplusplus
}
#endif

#endif
