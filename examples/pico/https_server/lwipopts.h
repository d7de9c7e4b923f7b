#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_tls.h"

/* lwIP's httpd, HTTPS only: httpd_inits() listens on HTTPD_SERVER_PORT_HTTPS (443). */
#define HTTPD_ENABLE_HTTPS 1
/* A server asks no client for a certificate (lwIP applies this to servers too). */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_NONE
#endif
