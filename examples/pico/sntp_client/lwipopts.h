#ifndef LWIPOPTS_H
#define LWIPOPTS_H
#include "lwipopts_common.h"

#include <stdint.h>

/* lwIP's sntp app: the server by name, asked at once (lwIP waits up to 5 s at random by
   default, so that many devices booting together do not ask at the same moment), and an
   answer taken only from that server and only if it echoes our transmit timestamp. */
#define SNTP_SERVER_DNS 1
#define SNTP_STARTUP_DELAY 0
#define SNTP_CHECK_RESPONSE 2
/* One timeout more than lwIP counts for its core: the sntp app's. */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 1)

/* The program's clock (sntp_client.c: the always-on timer), set from the answer and read
   for the transmit timestamp of each request. */
void sntp_client_set_time(uint32_t sec);
void sntp_client_get_time(uint32_t *sec, uint32_t *us);
#define SNTP_SET_SYSTEM_TIME(sec) sntp_client_set_time(sec)
#define SNTP_GET_SYSTEM_TIME(sec, us) sntp_client_get_time(&(sec), &(us))
#endif
