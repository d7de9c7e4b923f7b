/* The simulated chip's lwIP side: the STA netif (frames to and from the host seam), DHCP
 * when the link comes up (or the static CYW43_DEFAULT_IP_* address when lwIP has no DHCP),
 * and the driver's work in the async context: received frames into lwIP, lwIP's timers. */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "pico_host.h"
#include "lwip/dhcp.h"
#include "lwip/etharp.h"
#include "lwip/init.h"
#include "lwip/pbuf.h"
#include "lwip/timeouts.h"
#include "netif/ethernet.h"
#if LWIP_IPV6
#include "lwip/ethip6.h"
#endif

static uint8_t frame_buf[1600];

static err_t link_output(struct netif *netif, struct pbuf *p) {
  cyw43_t *self = netif->state;
  if (!self->wifi_join_state) return ERR_IF;
  if (p->tot_len > sizeof frame_buf) return ERR_BUF;
  u16_t len = pbuf_copy_partial(p, frame_buf, p->tot_len, 0);
  pico_host_link_send(frame_buf, len);
  CYW43_STAT_INC(PACKET_OUT_COUNT);
  return ERR_OK;
}

static err_t cyw43_netif_init(struct netif *netif) {
  cyw43_t *self = netif->state;
  netif->linkoutput = link_output;
#if LWIP_IPV4
  netif->output = etharp_output;
#endif
#if LWIP_IPV6
  netif->output_ip6 = ethip6_output;
#endif
  netif->mtu = 1500;
  netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET | NETIF_FLAG_IGMP | NETIF_FLAG_MLD6;
  netif->hwaddr_len = 6;
  memcpy(netif->hwaddr, self->mac, 6);
  netif->name[0] = 'w';
  netif->name[1] = '0';
#if LWIP_NETIF_HOSTNAME
  netif_set_hostname(netif, CYW43_HOST_NAME);
#endif
  return ERR_OK;
}

void cyw43_lwip_init_itf(cyw43_t *self, int itf) {
  struct netif *n = &self->netif[itf];
#if LWIP_IPV4
  ip4_addr_t ip, mask, gw;
#if LWIP_DHCP
  ip4_addr_set_zero(&ip);
  ip4_addr_set_zero(&mask);
  ip4_addr_set_zero(&gw);
#else
  ip4_addr_set_u32(&ip, lwip_htonl(CYW43_DEFAULT_IP_STA_ADDRESS));
  ip4_addr_set_u32(&mask, lwip_htonl(CYW43_DEFAULT_IP_MASK));
  ip4_addr_set_u32(&gw, lwip_htonl(CYW43_DEFAULT_IP_STA_GATEWAY));
#endif
  netif_add(n, &ip, &mask, &gw, self, cyw43_netif_init, netif_input);
#else
  netif_add(n, self, cyw43_netif_init, netif_input);
#endif
  if (itf == CYW43_ITF_STA) netif_set_default(n);
  netif_set_up(n);
}

void cyw43_lwip_deinit_itf(cyw43_t *self, int itf) {
  struct netif *n = &self->netif[itf];
#if LWIP_DHCP
  dhcp_stop(n);
#endif
  netif_remove(n);
}

void cyw43_lwip_link_up(cyw43_t *self, int itf) {
  struct netif *n = &self->netif[itf];
  netif_set_link_up(n);
#if LWIP_DHCP
  if (itf == CYW43_ITF_STA) dhcp_start(n);
#endif
}

void cyw43_lwip_link_down(cyw43_t *self, int itf) {
  struct netif *n = &self->netif[itf];
#if LWIP_DHCP
  dhcp_release_and_stop(n);
#endif
  netif_set_link_down(n);
}

int cyw43_tcpip_link_status(cyw43_t *self, int itf) {
  if (itf != CYW43_ITF_STA) return CYW43_LINK_DOWN;
  if (self->link_status < 0) return self->link_status;
  if (!self->wifi_join_state) return CYW43_LINK_DOWN;
  struct netif *n = &self->netif[itf];
  if (!netif_is_link_up(n)) return CYW43_LINK_JOIN;
#if LWIP_IPV4
  if (!ip4_addr_isany_val(*netif_ip4_addr(n))) return CYW43_LINK_UP;
#endif
  return CYW43_LINK_NOIP;
}

int cyw43_send_ethernet(cyw43_t *self, int itf, size_t len, const void *buf, bool is_pbuf) {
  (void)itf;
  if (!self->wifi_join_state) return -1;
  if (is_pbuf) return link_output(&self->netif[CYW43_ITF_STA], (struct pbuf *)buf) == ERR_OK ? 0 : -1;
  pico_host_link_send(buf, len);
  return 0;
}

/* The driver's work: frames the host queued, then lwIP's due timers. */
static void service(async_context_t *context) {
  (void)context;
  cyw43_t *self = &cyw43_state;
  for (;;) {
    int len = pico_host_link_recv(frame_buf, sizeof frame_buf);
    if (len == 0) break;
    if (len < 0 || !self->wifi_join_state || !(self->itf_state & (1 << CYW43_ITF_STA))) continue;
    CYW43_STAT_INC(PACKET_IN_COUNT);
    struct netif *n = &self->netif[CYW43_ITF_STA];
    struct pbuf *p = pbuf_alloc(PBUF_RAW, (u16_t)len, PBUF_POOL);
    if (!p) continue; /* out of buffers: dropped, as on the device */
    pbuf_take(p, frame_buf, (u16_t)len);
    if (n->input(p, n) != ERR_OK) pbuf_free(p);
  }
  sys_check_timeouts();
}

static absolute_time_t next_time(async_context_t *context) {
  (void)context;
  u32_t ms = sys_timeouts_sleeptime();
  if (ms == SYS_TIMEOUTS_SLEEPTIME_INFINITE) return at_the_end_of_time;
  return delayed_by_ms(get_absolute_time(), ms);
}

static bool lwip_started;

void cyw43_lwip_start(async_context_t *context) {
  if (!lwip_started) {
    lwip_init();
    lwip_started = true;
  }
  context->host_service = service;
  context->host_next_time = next_time;
}

void cyw43_lwip_stop(void) {
  async_context_t *c = cyw43_arch_async_context();
  c->host_service = NULL;
  c->host_next_time = NULL;
}
