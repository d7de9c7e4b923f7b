/* Compatibility header for lwIP's altcp_tls_mbedtls.c (written for Mbed TLS 2.x).
 * Mbed TLS 3 removed mbedtls/certs.h (test certificates); lwIP includes it but uses
 * nothing from it. This directory is on the include path of native/tls/altcp_tls_36.c only. */
