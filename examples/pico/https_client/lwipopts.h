#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_tls.h"
/* lwIP's default is OPTIONAL (a bad certificate still connects): this client verifies. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED
#endif
