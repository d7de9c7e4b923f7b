/* lwIP options of the TLS examples (client and server): altcp_tls over Mbed TLS. */
#ifndef EXAMPLES_LWIPOPTS_TLS_H
#define EXAMPLES_LWIPOPTS_TLS_H
#include "lwipopts_common.h"

/* A whole TLS record (16 KiB + overhead) must fit in the window, or the transfer stalls. */
#undef TCP_WND
#define TCP_WND 16384
#define LWIP_ALTCP 1
#define LWIP_ALTCP_TLS 1
#define LWIP_ALTCP_TLS_MBEDTLS 1
#endif
