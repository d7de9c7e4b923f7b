/* hardware/vreg.h: the core voltage regulator, declared as in the SDK, not provided. */
#ifndef _HARDWARE_VREG_H
#define _HARDWARE_VREG_H

#include "pico.h"

enum vreg_voltage {
  VREG_VOLTAGE_0_85 = 0x6, VREG_VOLTAGE_0_90, VREG_VOLTAGE_0_95, VREG_VOLTAGE_1_00, VREG_VOLTAGE_1_05,
  VREG_VOLTAGE_1_10, VREG_VOLTAGE_1_15, VREG_VOLTAGE_1_20, VREG_VOLTAGE_1_25, VREG_VOLTAGE_1_30,
  VREG_VOLTAGE_DEFAULT = VREG_VOLTAGE_1_10,
};
void vreg_set_voltage(enum vreg_voltage voltage);

#endif
