#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H
/* The examples' common config has what this program needs: MBEDTLS_ENTROPY_C over
   MBEDTLS_ENTROPY_HARDWARE_ALT, MBEDTLS_CTR_DRBG_C with AES, SHA-512 for the entropy pool. */
#include "mbedtls_config_common.h"
#endif
