#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H
#include "mbedtls_config_common.h"
#endif
