/* The router: NAT in our own netif code, so a second lwIP stack terminates every TCP
 * connection the device opens, whatever its destination (lwIP's files stay untouched).
 *
 * Frames from the device are rewritten before lwIP sees them, frames to the device
 * after lwIP made them:
 *   - TCP to any address:port A:P becomes a connection to the router's own address on
 *     LMW_ROUTER_TCP_PORT, where one listener accepts everything; the flow table remembers
 *     A:P for the device's (address, port), and replies get A:P back as their source.
 *     A new SYN is held until the host has dialed the real destination: then it is
 *     replayed into lwIP (accept) or answered with a RST (reject), so "connection
 *     refused" reaches the device as a refusal, as it would on a real network.
 *   - UDP datagrams to other addresses go to the host as raw IPv4 packets
 *     (lmw_host_router_udp); replies are built here (lmw_router_udp_send).
 *   - TCP and UDP to the router's own address are flows to the host's loopback (QEMU's convention
 *     for 10.0.2.2); the device cannot reach 127.0.0.1 itself (lwIP does not route it).
 *   - ARP requests for the router's service addresses (the DNS server's 10.0.2.3,
 *     lmw_router_add_address) are answered with the router's MAC, as QEMU's slirp does;
 *     other addresses of the subnet belong to the stations on the LAN (never a probe's
 *     answer: a DHCP client checking its new address must hear nothing).
 *   - ICMP echo requests to the router's address are answered by its lwIP, and to its
 *     service addresses here (a program can ping 10.0.2.2 and 10.0.2.3, as on QEMU's
 *     network); ICMP to other addresses is dropped (no raw sockets on the host side).
 *   - The LAN may hold several stations (a switch): the router learns each one's MAC from
 *     its frames to address what it builds itself (RSTs, UDP replies), ignores unicast
 *     frames for other MACs (a switch floods unknown ones), and hands DHCP (UDP to port
 *     67) to the host, like the other UDP.
 *   - TCP segments of connections the router's own lwIP opened, and UDP to ports its own
 *     lwIP sockets hold (inbound forwards to a station's port), go to lwIP, not to the NAT.
 * The stations, service addresses and the frames the router builds itself (ARP and echo
 * replies, RSTs, UDP) are native/router/lan.c's.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/timeouts.h"

#include "host.h"
#include "lmw_internal.h"
#include "lan.h"
#include "router.h"

#define FLOW_PENDING 1
#define FLOW_ACTIVE 2
#define PENDING_TIMEOUT_MS 60000u
#define DHCP_SERVER_PORT 67
/* An accepted flow has no pcb until lwIP has taken the replayed SYN; a sweep in that gap
 * must not free it. Past this age, an active flow without a pcb (closed, TIME_WAIT over)
 * is finished. */
#define ACTIVE_GRACE_MS 2000u
/* How often finished flows are swept out of the table. */
#define SWEEP_INTERVAL_MS 1000
/* The largest UDP payload lmw_router_udp_send builds in one unfragmented frame: the
 * link's 1500-byte MTU less the IPv4 (20) and UDP (8) headers. */
#define UDP_PAYLOAD_MAX (LMW_LINK_MTU - 20 - 8)

struct flow {
  struct flow *next;
  uint32_t id;
  uint8_t state;
  uint32_t dev_ip; /* network byte order */
  uint16_t dev_port;
  uint32_t orig_ip;
  uint16_t orig_port;
  uint32_t created_ms;
  uint8_t *syn; /* the held SYN frame while pending */
  size_t syn_len;
};

struct router {
  lmw_netif *nif;
  uint32_t user_id;
  uint32_t next_flow;
  struct flow *flows;
  size_t flow_count;
};

/* One router per instance: the router is its own WASM instance (or process image). */
static struct router *the_router;

/* The NAT's rewrite of one address and port (RFC 1624 eqn. 3): the IPv4 header checksum
   and the TCP checksum (whose pseudo-header covers the address) are updated for the
   changed words only, not recomputed over the payload. Measured: the full recompute, twice
   per segment, was as costly as ChaCha20 in a bulk download's profile. */
static void csum_replace(uint8_t *sum, const uint8_t *old_words, const uint8_t *new_words, size_t n) {
  uint32_t acc = (uint16_t)~rd16(sum);
  for (size_t i = 0; i < n; i += 2) {
    acc += (uint16_t)~rd16(old_words + i);
    acc += rd16(new_words + i);
  }
  while (acc >> 16) acc = (acc & 0xffff) + (acc >> 16);
  wr16(sum, (uint16_t)~acc);
}

static void nat_rewrite_tcp(uint8_t *ip, uint8_t *addr, uint8_t *port, uint32_t new_addr, uint16_t new_port) {
  uint8_t *l4 = ip + (size_t)(ip[0] & 0x0f) * 4;
  uint8_t old[6], neu[6];
  memcpy(old, addr, 4);
  memcpy(old + 4, port, 2);
  wr32(neu, new_addr);
  wr16(neu + 4, new_port);
  csum_replace(ip + 10, old, neu, 4);
  csum_replace(l4 + 16, old, neu, 6);
  memcpy(addr, neu, 4);
  memcpy(port, neu + 4, 2);
}

static struct flow *flow_by_dev(uint32_t ip, uint16_t port) {
  for (struct flow *f = the_router->flows; f; f = f->next) {
    if (f->dev_ip == ip && f->dev_port == port) return f;
  }
  return NULL;
}

static struct flow *flow_by_id(uint32_t id) {
  for (struct flow *f = the_router->flows; f; f = f->next) {
    if (f->id == id) return f;
  }
  return NULL;
}

static void flow_free(struct flow *f) {
  for (struct flow **pp = &the_router->flows; *pp; pp = &(*pp)->next) {
    if (*pp == f) {
      *pp = f->next;
      the_router->flow_count--;
      free(f->syn);
      free(f);
      return;
    }
  }
}

/* An active flow lives while lwIP has a pcb for it (including TIME_WAIT). */
static int flow_has_pcb(const struct flow *f) {
  struct tcp_pcb *lists[2] = {tcp_active_pcbs, tcp_tw_pcbs};
  for (int i = 0; i < 2; i++) {
    for (struct tcp_pcb *pcb = lists[i]; pcb; pcb = pcb->next) {
      if (pcb->local_port == LMW_ROUTER_TCP_PORT && pcb->remote_port == f->dev_port &&
          ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == f->dev_ip) {
        return 1;
      }
    }
  }
  return 0;
}

static void flows_sweep(void) {
  uint32_t now = lmw_host_now_ms();
  struct flow *f = the_router->flows;
  while (f) {
    struct flow *next = f->next;
    int dead = f->state == FLOW_ACTIVE ? (now - f->created_ms > ACTIVE_GRACE_MS && !flow_has_pcb(f))
                                       : (now - f->created_ms > PENDING_TIMEOUT_MS);
    if (dead) flow_free(f);
    f = next;
  }
}

/* A TCP segment of a connection the router's own lwIP opened (an inbound forward). */
static int own_connection(uint32_t src, uint16_t sport, uint16_t dport) {
  struct tcp_pcb *lists[2] = {tcp_active_pcbs, tcp_tw_pcbs};
  for (int i = 0; i < 2; i++) {
    for (struct tcp_pcb *pcb = lists[i]; pcb; pcb = pcb->next) {
      if (pcb->local_port == dport && pcb->remote_port == sport && ip4_addr_get_u32(ip_2_ip4(&pcb->remote_ip)) == src) {
        return 1;
      }
    }
  }
  return 0;
}

/* A UDP port of the router's own lwIP (an inbound forward's socket). */
static int own_udp_port(uint16_t dport) {
  for (struct udp_pcb *pcb = udp_pcbs; pcb; pcb = pcb->next) {
    if (pcb->local_port == dport) return 1;
  }
  return 0;
}

int lmw_router_input(lmw_netif *n, uint8_t *frame, size_t len) {
  if (the_router == NULL || the_router->nif != n || len < ETH_HDR) return 0;
  /* A switch floods frames for MACs it has not learned yet: not ours, not routed. */
  if (!(frame[0] & 1) && memcmp(frame, lan_router_mac(), 6) != 0) return 1;
  if (rd16(frame + 12) == ETHTYPE_ARP && len >= ETH_HDR + 28) lan_learn(rd32(frame + ETH_HDR + 14), frame + 6);
  if (lan_proxy_arp(frame, len)) return 1;
  if (rd16(frame + 12) != ETHTYPE_IP || len < ETH_HDR + 20) return 0;
  uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || total > len - ETH_HDR || total < ihl + 8) return 1; /* malformed: drop */
  uint32_t dst = rd32(ip + 16);
  uint8_t *l4 = ip + ihl;
  lan_learn(rd32(ip + 12), frame + 6);
  /* DHCP (to the broadcast address or to the router) is the host's, like other UDP. */
  if (ip[9] == IP_PROTO_UDP && rd16(l4 + 2) == DHCP_SERVER_PORT && (dst == 0xffffffffu || dst == lan_router_ip())) {
    if ((rd16(ip + 6) & 0x3fff) == 0) lmw_host_router_udp(ip, total);
    return 1;
  }
  /* TCP (but not to its listener port, nor of its own connections) and UDP to the
     router's own address are flows to the host's loopback, as in QEMU's user networking;
     anything else for it is lwIP's. */
  int to_host = dst == lan_router_ip() &&
                ((ip[9] == IP_PROTO_TCP && rd16(l4 + 2) != LMW_ROUTER_TCP_PORT &&
                  !own_connection(rd32(ip + 12), rd16(l4), rd16(l4 + 2))) ||
                 (ip[9] == IP_PROTO_UDP && !own_udp_port(rd16(l4 + 2))));
  if ((dst == lan_router_ip() && !to_host) || dst == 0xffffffffu) return 0;
  if ((ip[16] & 0xf0) == 0xe0) return 1; /* multicast (mDNS, ...): stays on the LAN */
  if (ip[9] == IP_PROTO_ICMP) {
    if (lan_is_service(dst)) lan_echo_reply(frame, len);
    return 1;
  }
  if ((rd16(ip + 6) & 0x3fff) != 0) return 1; /* fragments: not handled, dropped */

  if (ip[9] == IP_PROTO_UDP) {
    lmw_host_router_udp(ip, total);
    return 1;
  }
  if (ip[9] != IP_PROTO_TCP || total < ihl + 20) return 1;

  uint32_t src = rd32(ip + 12);
  uint16_t sport = rd16(l4), dport = rd16(l4 + 2);
  uint8_t flags = l4[13];
  struct flow *f = flow_by_dev(src, sport);
  if (f && (f->orig_ip != dst || f->orig_port != dport) && (flags & TCP_SYN) && !(flags & TCP_ACK)) {
    flow_free(f); /* the device reuses a port for a new destination */
    f = NULL;
  }
  if (f == NULL) {
    if (!(flags & TCP_SYN) || (flags & TCP_ACK)) {
      if (!(flags & TCP_RST)) lan_send_rst(frame); /* unknown connection */
      return 1;
    }
    flows_sweep();
    f = (struct flow *)calloc(1, sizeof *f);
    if (f == NULL) return 1;
    f->id = ++the_router->next_flow;
    f->state = FLOW_PENDING;
    f->dev_ip = src;
    f->dev_port = sport;
    f->orig_ip = dst;
    f->orig_port = dport;
    f->created_ms = lmw_host_now_ms();
    f->next = the_router->flows;
    the_router->flows = f;
    the_router->flow_count++;
  }
  if (f->state == FLOW_PENDING) {
    /* Hold (the latest copy of) the SYN until the host has dialed. */
    uint8_t *copy = (uint8_t *)malloc(ETH_HDR + total);
    if (copy == NULL) return 1;
    memcpy(copy, frame, ETH_HDR + total);
    int first = f->syn == NULL;
    free(f->syn);
    f->syn = copy;
    f->syn_len = ETH_HDR + total;
    if (first) lmw_host_event(the_router->user_id, LMW_EV_FLOW, (int32_t)f->id);
    return 1;
  }
  /* Active: rewrite the destination to our listener. */
  nat_rewrite_tcp(ip, ip + 16, l4 + 2, lan_router_ip(), LMW_ROUTER_TCP_PORT);
  return 0;
}

void lmw_router_output(lmw_netif *n, uint8_t *frame, size_t len) {
  if (the_router == NULL || the_router->nif != n || len < ETH_HDR + 40 || rd16(frame + 12) != ETHTYPE_IP) return;
  uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if (ip[9] != IP_PROTO_TCP || total > len - ETH_HDR || total < ihl + 20) return;
  uint8_t *l4 = ip + ihl;
  if (rd16(l4) != LMW_ROUTER_TCP_PORT || rd32(ip + 12) != lan_router_ip()) return;
  struct flow *f = flow_by_dev(rd32(ip + 16), rd16(l4 + 2));
  if (f == NULL) return;
  nat_rewrite_tcp(ip, ip + 12, l4, f->orig_ip, f->orig_port);
}

/* Finished flows leave the table within a second of their last pcb. */
static void router_tick(void *arg) {
  (void)arg;
  if (the_router == NULL) return;
  flows_sweep();
  sys_timeout(SWEEP_INTERVAL_MS, router_tick, NULL);
}

/* ---- exported -------------------------------------------------------------------------- */

int lmw_router_enable(lmw_netif *nif, uint32_t user_id) {
  if (the_router != NULL) return ERR_USE;
  the_router = (struct router *)calloc(1, sizeof *the_router);
  if (the_router == NULL) return ERR_MEM;
  the_router->nif = nif;
  the_router->user_id = user_id;
  lan_reset(nif);
  sys_timeout(SWEEP_INTERVAL_MS, router_tick, NULL);
  return ERR_OK;
}

void lmw_router_disable(void) {
  if (the_router == NULL) return;
  sys_untimeout(router_tick, NULL);
  while (the_router->flows) flow_free(the_router->flows);
  lan_reset(NULL);
  free(the_router);
  the_router = NULL;
}

int lmw_router_flow_target(uint32_t flow_id, char *buf, size_t cap, uint32_t *dev_port) {
  struct flow *f = the_router ? flow_by_id(flow_id) : NULL;
  if (f == NULL) return ERR_VAL;
  ip4_addr_t a;
  ip4_addr_set_u32(&a, f->orig_ip);
  char ip[IP4ADDR_STRLEN_MAX];
  if (ip4addr_ntoa_r(&a, ip, sizeof ip) == NULL) return ERR_BUF;
  int n = snprintf(buf, cap, "%s:%u", ip, f->orig_port);
  if (dev_port) *dev_port = f->dev_port;
  return n > 0 && (size_t)n < cap ? ERR_OK : ERR_BUF;
}

int lmw_router_flow_accept(uint32_t flow_id) {
  struct flow *f = the_router ? flow_by_id(flow_id) : NULL;
  if (f == NULL || f->state != FLOW_PENDING || f->syn == NULL) return ERR_VAL;
  f->state = FLOW_ACTIVE;
  f->created_ms = lmw_host_now_ms();
  uint8_t *syn = f->syn;
  size_t syn_len = f->syn_len;
  f->syn = NULL;
  /* Replay the held SYN through the normal path (now rewritten to our listener). */
  int err = lmw_netif_input(the_router->nif, syn, syn_len);
  free(syn);
  return err;
}

int lmw_router_flow_reject(uint32_t flow_id) {
  struct flow *f = the_router ? flow_by_id(flow_id) : NULL;
  if (f == NULL || f->state != FLOW_PENDING) return ERR_VAL;
  if (f->syn) lan_send_rst(f->syn);
  flow_free(f);
  return ERR_OK;
}

int lmw_router_udp_send(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                        const uint8_t *payload, size_t len) {
  ip4_addr_t s, d;
  if (the_router == NULL) return ERR_CONN;
  if (!ip4addr_aton(src_ip, &s) || !ip4addr_aton(dst_ip, &d) || len > UDP_PAYLOAD_MAX) return ERR_ARG;
  const uint8_t *to = lan_mac_of(ip4_addr_get_u32(&d));
  if (to == NULL) return ERR_RTE; /* no station with that address has spoken yet */
  uint8_t frame[ETH_HDR + 20 + 8 + UDP_PAYLOAD_MAX];
  uint8_t *ip = lan_build_ip(frame, to, IP_PROTO_UDP, ip4_addr_get_u32(&s), ip4_addr_get_u32(&d), 8 + len);
  uint8_t *u = ip + 20;
  wr16(u, src_port);
  wr16(u + 2, dst_port);
  wr16(u + 4, (uint16_t)(8 + len));
  wr16(u + 6, 0);
  memcpy(u + 8, payload, len);
  lan_fix_checksums(ip, 28 + len);
  lan_send(frame, ETH_HDR + 28 + len);
  return ERR_OK;
}

int lmw_router_add_address(const char *ip) {
  ip4_addr_t a;
  if (the_router == NULL) return ERR_CONN;
  if (!ip4addr_aton(ip, &a) || ip4_addr_get_u32(&a) == 0) return ERR_ARG;
  return lan_add_service(ip4_addr_get_u32(&a));
}

void lmw_router_disable_for(lmw_netif *n) {
  if (the_router != NULL && the_router->nif == n) lmw_router_disable();
}

int32_t lmw_router_flow_count(void) {
  return the_router ? (int32_t)the_router->flow_count : 0;
}
