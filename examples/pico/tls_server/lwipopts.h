#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_tls.h"
/* lwIP applies this to servers too: this one asks no client for a certificate. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_NONE
#endif
