#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_tls.h"
/* lwIP's default is OPTIONAL (a bad certificate still connects): this client verifies. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED
/* The mqtt app keeps one timer of its own (keep-alive and request timeouts). */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)
/* Two subscriptions and two publishes may wait for their acknowledgements at once. */
#define MQTT_REQ_MAX_IN_FLIGHT 6
#endif
