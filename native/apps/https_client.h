/* The book's simplest HTTPS client (native/apps/https_client.c).
 *
 * Its entry points for hosts are in the exported API (lmw_api.h: lmw_app_https_get,
 * lmw_app_result, lmw_app_abort). This header is what the rest of our C needs from it.
 */
#ifndef LMW_APPS_HTTPS_CLIENT_H
#define LMW_APPS_HTTPS_CLIENT_H

#include "mbedtls/ssl.h"

/** Called by lmw_tls_on_status (native/api/lmw_conn_tls.c) for every TLS status report of
 *  lwIP's TLS layer; the client keeps what concerns its own connections (the Mbed TLS
 *  code of a failed handshake or read, the X.509 verification flags, close_notify). */
void lmw_app_https_tls_status(mbedtls_ssl_context *ssl, int status, int ret);

#endif
