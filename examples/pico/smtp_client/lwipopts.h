#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_tls.h"
/* lwIP's default is OPTIONAL (a bad certificate still connects): the password must only go
   to the real server. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED
/* lwIP's smtp app: both login methods (it prefers PLAIN when the server offers both). */
#define SMTP_SUPPORT_AUTH_PLAIN 1
#define SMTP_SUPPORT_AUTH_LOGIN 1
/* lwIP 2.2.1's check of the mail (7-bit text, no bare CR or LF) checks the body as it checks
   a header: any line break in it is refused (smtp_send_mail returns ERR_ARG). Off, then: the
   body is the program's own text, 7-bit, lines ending in CRLF, none starting with '.'
   (lwIP does not dot-stuff). */
#define SMTP_CHECK_DATA 0
#endif
