#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_common.h"

/* lwIP's httpd with server-side includes (<!--#tag--> in .shtml pages, filled by the
   program's handler) and CGI handlers (a URL that runs a function, then serves a page). */
#define LWIP_HTTPD_SSI 1
#define LWIP_HTTPD_CGI 1
/* Send only what the handler inserts, not the <!--#tag--> itself as well. */
#define LWIP_HTTPD_SSI_INCLUDE_TAG 0
#endif
