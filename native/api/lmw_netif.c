/* lmw_api.h, network interface: an Ethernet netif whose frames go to the host's link
 * (TS: ts-bindings/src/link/netif.ts), and the DNS servers lwIP asks. */
#include <stdlib.h>
#include <string.h>

#include "lwip/dns.h"
#include "lwip/etharp.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"
#include "lwip/stats.h"
#include "netif/ethernet.h"

#include "host.h"
#include "lmw_internal.h"
#include "router.h"

struct lmw_netif {
  struct netif nif;
  uint32_t link_id;
  /* One outgoing frame, linearised: the longest frame the netif sends, MTU + Ethernet
   * header (lwIP fragments IP packets at the MTU; the link carries no FCS or VLAN tag). */
  uint8_t *frame;
  uint16_t frame_cap;
};

static err_t netif_linkoutput(struct netif *netif, struct pbuf *p) {
  lmw_netif *n = (lmw_netif *)netif->state;
  if (p->tot_len > n->frame_cap) return ERR_BUF;
  u16_t len = pbuf_copy_partial(p, n->frame, p->tot_len, 0);
  lmw_router_output(n, n->frame, len);
  LINK_STATS_INC(link.xmit);
  lmw_host_link_output(n->link_id, n->frame, len);
  return ERR_OK;
}

static err_t netif_init_cb(struct netif *netif) {
  netif->name[0] = 'e';
  netif->name[1] = 'n';
  netif->mtu = LMW_LINK_MTU;
  netif->hwaddr_len = ETH_HWADDR_LEN;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_LINK_UP;
  netif->output = etharp_output;
  netif->linkoutput = netif_linkoutput;
  return ERR_OK;
}

int lmw_netif_add(uint32_t link_id, const uint8_t *mac6, const char *ip, const char *netmask, const char *gateway,
                  int is_default, lmw_netif **out) {
  ip4_addr_t a, m, g;
  *out = NULL;
  if (!ip4addr_aton(ip, &a) || !ip4addr_aton(netmask, &m) || !ip4addr_aton(gateway ? gateway : "0.0.0.0", &g)) {
    return ERR_ARG;
  }
  lmw_netif *n = (lmw_netif *)calloc(1, sizeof *n);
  if (n == NULL) return ERR_MEM;
  n->frame_cap = LMW_LINK_MTU + SIZEOF_ETH_HDR;
  n->frame = (uint8_t *)malloc(n->frame_cap);
  if (n->frame == NULL) {
    free(n);
    return ERR_MEM;
  }
  n->link_id = link_id;
  memcpy(n->nif.hwaddr, mac6, ETH_HWADDR_LEN);
  if (netif_add(&n->nif, &a, &m, &g, n, netif_init_cb, ethernet_input) == NULL) {
    free(n->frame);
    free(n);
    return ERR_IF;
  }
  memcpy(n->nif.hwaddr, mac6, ETH_HWADDR_LEN);
  netif_set_up(&n->nif);
  netif_set_link_up(&n->nif);
  if (is_default) netif_set_default(&n->nif);
  *out = n;
  return ERR_OK;
}

int lmw_netif_set_link(lmw_netif *n, uint32_t mtu, int checksums) {
  if (mtu < 576 || mtu > LMW_FAST_LINK_MTU) return ERR_ARG;
  if (mtu + SIZEOF_ETH_HDR > n->frame_cap) {
    uint8_t *frame = (uint8_t *)realloc(n->frame, mtu + SIZEOF_ETH_HDR);
    if (frame == NULL) return ERR_MEM;
    n->frame = frame;
    n->frame_cap = (uint16_t)(mtu + SIZEOF_ETH_HDR);
  }
  n->nif.mtu = (u16_t)mtu;
  NETIF_SET_CHECKSUM_CTRL(&n->nif, checksums ? NETIF_CHECKSUM_ENABLE_ALL : NETIF_CHECKSUM_DISABLE_ALL);
  return ERR_OK;
}

int lmw_netif_input(lmw_netif *n, uint8_t *frame, size_t len) {
  if (len == 0 || len > 0xFFFF) return ERR_ARG; /* pbuf lengths are u16_t */
  if (lmw_router_input(n, frame, len)) return ERR_OK;
  /* Frames above a pool buffer come in one piece rather than a chain of pool buffers. */
  struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, len > PBUF_POOL_BUFSIZE ? PBUF_RAM : PBUF_POOL);
  if (p == NULL) return ERR_MEM;
  pbuf_take(p, frame, (u16_t)len);
  LINK_STATS_INC(link.recv);
  err_t err = n->nif.input(p, &n->nif);
  if (err != ERR_OK) pbuf_free(p);
  return err;
}

void lmw_netif_free(lmw_netif *n) {
  if (n == NULL) return;
  lmw_router_disable_for(n);
  netif_remove(&n->nif);
  free(n->frame);
  free(n);
}

struct netif *lmw_netif_lwip(lmw_netif *n) {
  return &n->nif;
}

uint32_t lmw_netif_link_id(lmw_netif *n) {
  return n->link_id;
}

int lmw_dns_set_server(int index, const char *ip) {
  ip_addr_t a;
  if (index < 0 || index >= DNS_MAX_SERVERS || !ipaddr_aton(ip, &a)) return ERR_ARG;
  dns_setserver((u8_t)index, &a);
  return ERR_OK;
}
