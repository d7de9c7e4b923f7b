/* The examples' Mbed TLS configuration, plus TLS 1.3 for this server: a client that offers
 * TLS 1.3 gets it, one that offers 1.2 only still gets 1.2. TLS 1.3 in Mbed TLS 3.6 runs
 * its crypto through PSA, so the program calls psa_crypto_init() once at start-up. */
#ifndef MBEDTLS_CONFIG_H
#define MBEDTLS_CONFIG_H
#include "mbedtls_config_common.h"

#define MBEDTLS_SSL_PROTO_TLS1_3
#define MBEDTLS_SSL_TLS1_3_COMPATIBILITY_MODE
#define MBEDTLS_SSL_TLS1_3_KEY_EXCHANGE_MODE_EPHEMERAL_ENABLED
#define MBEDTLS_SSL_KEEP_PEER_CERTIFICATE /* required by TLS 1.3 in 3.6 */
#define MBEDTLS_PSA_CRYPTO_C
#define MBEDTLS_HKDF_C
#define MBEDTLS_PK_WRITE_C /* PSA imports keys in their DER form */
#endif
