#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_common.h"

/* A whole TLS record (16 KiB + overhead) must fit in the window, or the transfer stalls. */
#undef TCP_WND
#define TCP_WND 16384
#define LWIP_ALTCP 1
#define LWIP_ALTCP_TLS 1
#define LWIP_ALTCP_TLS_MBEDTLS 1
/* lwIP applies this to servers too: this one asks no client for a certificate. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_NONE
#endif
