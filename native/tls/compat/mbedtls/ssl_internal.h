/* Compatibility header for lwIP's altcp_tls_mbedtls.c (written for Mbed TLS 2.x).
 * Mbed TLS 3 renamed ssl_internal.h to the private library/ssl_misc.h. lwIP needs two
 * things from it; both still exist in 3.6 under other names or without a public
 * prototype. Used by native/tls/altcp_tls_36.c only. */
#ifndef LMW_COMPAT_SSL_INTERNAL_H
#define LMW_COMPAT_SSL_INTERNAL_H

#include "mbedtls/ssl.h"

/* Still exported by libmbedtls (library/ssl_msg.c); prototype in library/ssl_misc.h. */
int mbedtls_ssl_flush_output(mbedtls_ssl_context *ssl);

/* 2.x had one record length; 3.x has separate IN and OUT lengths. lwIP uses it only to
 * warn when TCP_WND cannot hold an incoming record. */
#ifndef MBEDTLS_SSL_MAX_CONTENT_LEN
#define MBEDTLS_SSL_MAX_CONTENT_LEN MBEDTLS_SSL_IN_CONTENT_LEN
#endif

/* 2.x's mbedtls_ssl_get_max_frag_len() is gone; lwIP uses it to bound what one
 * altcp_write() may hand to one mbedtls_ssl_write(), which is exactly this: */
#define mbedtls_ssl_get_max_frag_len(ssl) ((size_t)mbedtls_ssl_get_max_out_record_payload(ssl))

#endif
