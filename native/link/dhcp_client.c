/* DHCP for a stack's netif: lwIP's own client (dhcp.c), started from the host. It pairs with
 * ts-bindings/src/link/netif.ts (Netif.startDhcp). The address lwIP binds is reported as
 * LMW_EV_NETIF(user_id, 1) through the netif's status callback, and read back with
 * lmw_netif_addresses(). */
#include <stdio.h>
#include <string.h>

#include "lwip/dhcp.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "host.h"
#include "lmw_api.h"
#include "lmw_internal.h"

/* Netifs with a DHCP client and the id their events carry (a stack has one or two). */
#define MAX_DHCP_NETIFS 4
static struct {
  struct netif *nif;
  uint32_t user_id;
} watched[MAX_DHCP_NETIFS];

static void on_status(struct netif *nif) {
  for (size_t i = 0; i < MAX_DHCP_NETIFS; i++) {
    if (watched[i].nif == nif) {
      lmw_host_event(watched[i].user_id, LMW_EV_NETIF, ip4_addr_isany_val(*netif_ip4_addr(nif)) ? 0 : 1);
    }
  }
}

int lmw_netif_dhcp_start(lmw_netif *n, uint32_t user_id) {
  if (n == NULL) return ERR_ARG;
  struct netif *nif = lmw_netif_lwip(n);
  size_t slot = MAX_DHCP_NETIFS;
  for (size_t i = 0; i < MAX_DHCP_NETIFS; i++) {
    if (watched[i].nif == nif) return ERR_ALREADY;
    if (watched[i].nif == NULL && slot == MAX_DHCP_NETIFS) slot = i;
  }
  if (slot == MAX_DHCP_NETIFS) return ERR_MEM;
  watched[slot].nif = nif;
  watched[slot].user_id = user_id;
  netif_set_status_callback(nif, on_status);
  err_t err = dhcp_start(nif);
  if (err != ERR_OK) {
    netif_set_status_callback(nif, NULL);
    watched[slot].nif = NULL;
  }
  return err;
}

void lmw_netif_dhcp_stop(lmw_netif *n) {
  if (n == NULL) return;
  struct netif *nif = lmw_netif_lwip(n);
  for (size_t i = 0; i < MAX_DHCP_NETIFS; i++) {
    if (watched[i].nif == nif) {
      netif_set_status_callback(nif, NULL);
      watched[i].nif = NULL;
      dhcp_stop(nif);
      dhcp_cleanup(nif);
    }
  }
}

int lmw_netif_addresses(lmw_netif *n, char *buf, size_t cap) {
  if (n == NULL || buf == NULL) return ERR_ARG;
  struct netif *nif = lmw_netif_lwip(n);
  char ip[IP4ADDR_STRLEN_MAX], mask[IP4ADDR_STRLEN_MAX], gw[IP4ADDR_STRLEN_MAX];
  ip4addr_ntoa_r(netif_ip4_addr(nif), ip, sizeof ip);
  ip4addr_ntoa_r(netif_ip4_netmask(nif), mask, sizeof mask);
  ip4addr_ntoa_r(netif_ip4_gw(nif), gw, sizeof gw);
  int len = snprintf(buf, cap, "%s %s %s", ip, mask, gw);
  return len > 0 && (size_t)len < cap ? ERR_OK : ERR_BUF;
}
