/* Host SDK addition (neither lwIP 2.2.1 nor the Pico SDK has it): the server name for TLS
 * connections that an lwIP app opens itself. lwIP's smtp app calls altcp_tls_new() inside
 * and keeps the pcb to itself, so a program cannot call mbedtls_ssl_set_hostname() on it
 * (as examples/pico/https_client does on its own pcb, and mqtt_client on the one its
 * mqtt_client_t holds, as pico-examples do); without a name, Mbed TLS 3.6 refuses
 * to verify a certificate (MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME).
 *
 * Every client connection made with `config` that has no name of its own gets `name`,
 * before its handshake starts: sent as SNI and checked against the server's certificate.
 * The name is copied. Call it again for a new config (configs are told apart by address,
 * so a config freed and another allocated in its place would inherit the name). */
#ifndef _PICO_ALTCP_TLS_SERVER_NAME_H
#define _PICO_ALTCP_TLS_SERVER_NAME_H

#include "lwip/altcp_tls.h"

#ifdef __cplusplus
extern "C" {
#endif

/** ERR_OK, ERR_ARG (no config or name, or a name over 255 bytes) or ERR_MEM (more than
 *  PICO_ALTCP_TLS_SERVER_NAMES configs, 4, have a name). */
err_t pico_altcp_tls_config_server_name(struct altcp_tls_config *config, const char *name);

#ifdef __cplusplus
}
#endif

#endif
