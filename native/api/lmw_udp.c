/* lmw_api.h, UDP: a socket on an ephemeral port with a bounded queue of received
 * datagrams (TS: ts-bindings/src/device/udp.ts). */
#include <stdio.h>
#include <stdlib.h>

#include "lwip/pbuf.h"
#include "lwip/udp.h"

#include "host.h"
#include "lmw_internal.h"

#define LMW_UDP_QUEUE_MAX 64
/* The largest UDP payload of one IPv4 datagram: 65535 bytes less the IPv4 (20) and UDP
 * (8) headers. lwIP fragments it to the link's MTU. */
#define UDP_PAYLOAD_MAX (0xFFFF - 20 - 8)

struct udp_datagram {
  struct udp_datagram *next;
  struct pbuf *p;
  ip_addr_t addr;
  u16_t port;
};

struct lmw_udp {
  uint32_t user_id;
  struct udp_pcb *pcb;
  struct udp_datagram *head, *tail;
  size_t queued;
};

static void udp_recv_cb(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr, u16_t port) {
  lmw_udp *u = (lmw_udp *)arg;
  (void)pcb;
  struct udp_datagram *d = u->queued < LMW_UDP_QUEUE_MAX ? (struct udp_datagram *)calloc(1, sizeof *d) : NULL;
  if (d == NULL) {
    pbuf_free(p); /* full: dropped, as UDP may */
    return;
  }
  d->p = p;
  d->addr = *addr;
  d->port = port;
  if (u->tail) u->tail->next = d;
  else u->head = d;
  u->tail = d;
  u->queued++;
  lmw_host_event(u->user_id, LMW_EV_READABLE, (int32_t)u->queued);
}

int lmw_udp_new(uint32_t user_id, lmw_udp **out) {
  *out = NULL;
  lmw_udp *u = (lmw_udp *)calloc(1, sizeof *u);
  if (u == NULL) return ERR_MEM;
  u->user_id = user_id;
  u->pcb = udp_new_ip_type(IPADDR_TYPE_V4);
  if (u->pcb == NULL) {
    free(u);
    return ERR_MEM;
  }
  err_t err = udp_bind(u->pcb, IP4_ADDR_ANY, 0);
  if (err != ERR_OK) {
    udp_remove(u->pcb);
    free(u);
    return err;
  }
  udp_recv(u->pcb, udp_recv_cb, u);
  *out = u;
  return ERR_OK;
}

int lmw_udp_send(lmw_udp *u, const char *ip, uint16_t port, const uint8_t *data, size_t len) {
  ip_addr_t addr;
  if (!ipaddr_aton(ip, &addr) || len > UDP_PAYLOAD_MAX) return ERR_ARG;
  struct pbuf *p = pbuf_alloc(PBUF_TRANSPORT, (u16_t)len, PBUF_RAM);
  if (p == NULL) return ERR_MEM;
  pbuf_take(p, data, (u16_t)len);
  err_t err = udp_sendto(u->pcb, p, &addr, port);
  pbuf_free(p);
  return err;
}

int lmw_udp_recv(lmw_udp *u, uint8_t *buf, size_t cap, size_t *n, char *from, size_t from_cap) {
  struct udp_datagram *d = u->head;
  *n = 0;
  if (d == NULL) return ERR_WOULDBLOCK;
  u->head = d->next;
  if (u->head == NULL) u->tail = NULL;
  u->queued--;
  *n = d->p->tot_len;
  pbuf_copy_partial(d->p, buf, (u16_t)(cap < d->p->tot_len ? cap : d->p->tot_len), 0);
  char ip[IPADDR_STRLEN_MAX];
  if (from && from_cap) snprintf(from, from_cap, "%s:%u", ipaddr_ntoa_r(&d->addr, ip, sizeof ip), d->port);
  pbuf_free(d->p);
  free(d);
  return ERR_OK;
}

void lmw_udp_free(lmw_udp *u) {
  if (u == NULL) return;
  udp_remove(u->pcb);
  while (u->head) {
    struct udp_datagram *d = u->head;
    u->head = d->next;
    pbuf_free(d->p);
    free(d);
  }
  free(u);
}
