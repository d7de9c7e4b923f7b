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
 *   - The LAN may hold several stations (a switch): the router learns each one's MAC from
 *     its frames to address what it builds itself (RSTs, UDP replies), ignores unicast
 *     frames for other MACs (a switch floods unknown ones), and hands DHCP (UDP to port
 *     67) to the host, like the other UDP.
 *   - TCP segments of connections the router's own lwIP opened, and UDP to ports its own
 *     lwIP sockets hold (inbound forwards to a station's port), go to lwIP, not to the NAT.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/priv/tcp_priv.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"
#include "lwip/tcp.h"
#include "lwip/udp.h"
#include "lwip/timeouts.h"

#include "host.h"
#include "lmw_internal.h"
#include "router.h"

#define ETH_HDR 14
#define FLOW_PENDING 1
#define FLOW_ACTIVE 2
#define PENDING_TIMEOUT_MS 60000u
#define MAX_STATIONS 64
#define MAX_SERVICE_ADDRS 4
#define DHCP_SERVER_PORT 67

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

/* A station of the LAN: its IPv4 address and MAC, learned from its frames. */
struct station {
  uint32_t ip; /* network byte order; 0: free */
  uint8_t mac[6];
  uint32_t seen; /* learning order, for replacing the oldest */
};

struct router {
  lmw_netif *nif;
  uint32_t user_id;
  uint32_t next_flow;
  struct station stations[MAX_STATIONS];
  uint32_t station_clock;
  uint32_t services[MAX_SERVICE_ADDRS]; /* extra addresses the router answers ARP for */
  struct flow *flows;
  size_t flow_count;
};

/* One router per instance: the router is its own WASM instance (or process image). */
static struct router *the_router;

static uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; } /* stays in network order */
static void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

static uint32_t router_ip(void) { return ip4_addr_get_u32(netif_ip4_addr(lmw_netif_lwip(the_router->nif))); }
static const uint8_t *router_mac(void) { return lmw_netif_lwip(the_router->nif)->hwaddr; }
static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

static void station_learn(uint32_t ip, const uint8_t *mac) {
  if (ip == 0 || ip == 0xffffffffu || (mac[0] & 1)) return;
  struct station *slot = NULL;
  for (size_t i = 0; i < MAX_STATIONS; i++) {
    struct station *st = &the_router->stations[i];
    if (st->ip == ip) { slot = st; break; }
    if (slot == NULL || st->ip == 0 || (slot->ip != 0 && st->seen < slot->seen)) slot = st;
  }
  slot->ip = ip;
  memcpy(slot->mac, mac, 6);
  slot->seen = ++the_router->station_clock;
}

/* Where a frame to `ip` goes: the station's MAC, broadcast for the limited broadcast
   address, NULL for an address not seen on the LAN. */
static const uint8_t *station_mac(uint32_t ip) {
  if (ip == 0xffffffffu) return broadcast_mac;
  for (size_t i = 0; i < MAX_STATIONS; i++) {
    if (the_router->stations[i].ip == ip) return the_router->stations[i].mac;
  }
  return NULL;
}

static int is_service_addr(uint32_t ip) {
  for (size_t i = 0; i < MAX_SERVICE_ADDRS; i++) {
    if (ip != 0 && the_router->services[i] == ip) return 1;
  }
  return 0;
}

/* Recomputes the IPv4 header checksum and the TCP/UDP checksum of a contiguous packet. */
static void fix_checksums(uint8_t *ip, size_t ip_len) {
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  wr16(ip + 10, 0);
  u16_t c = inet_chksum(ip, (u16_t)ihl);
  memcpy(ip + 10, &c, 2);
  uint8_t proto = ip[9];
  size_t total = rd16(ip + 2);
  if (total > ip_len || total < ihl) return;
  uint8_t *l4 = ip + ihl;
  size_t l4_len = total - ihl;
  size_t off = proto == IP_PROTO_TCP ? 16 : proto == IP_PROTO_UDP ? 6 : 0;
  if (off == 0 || l4_len < off + 2) return;
  wr16(l4 + off, 0);
  ip4_addr_t src, dst;
  ip4_addr_set_u32(&src, rd32(ip + 12));
  ip4_addr_set_u32(&dst, rd32(ip + 16));
  struct pbuf p;
  memset(&p, 0, sizeof p);
  p.payload = l4;
  p.len = p.tot_len = (u16_t)l4_len;
  u16_t s = inet_chksum_pseudo(&p, proto, (u16_t)l4_len, &src, &dst);
  if (proto == IP_PROTO_UDP && s == 0) s = 0xffff;
  memcpy(l4 + off, &s, 2);
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
    int dead = f->state == FLOW_ACTIVE ? (now - f->created_ms > 2000u && !flow_has_pcb(f))
                                       : (now - f->created_ms > PENDING_TIMEOUT_MS);
    if (dead) flow_free(f);
    f = next;
  }
}

static void send_frame(uint8_t *frame, size_t len) {
  lmw_host_link_output(lmw_netif_link_id(the_router->nif), frame, len);
}

/* Builds an Ethernet + IPv4 header toward the station with MAC `to`; returns the IP
   header pointer. */
static uint8_t *build_ip(uint8_t *frame, const uint8_t *to, uint8_t proto, uint32_t src, uint32_t dst, size_t l4_len) {
  memcpy(frame, to, 6);
  memcpy(frame + 6, router_mac(), 6);
  wr16(frame + 12, ETHTYPE_IP);
  uint8_t *ip = frame + ETH_HDR;
  memset(ip, 0, 20);
  ip[0] = 0x45;
  wr16(ip + 2, (uint16_t)(20 + l4_len));
  ip[8] = 64;
  ip[9] = proto;
  wr32(ip + 12, src);
  wr32(ip + 16, dst);
  return ip;
}

static uint32_t rd32be(const uint8_t *p) {
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void wr32be(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* A RST answering the device's segment `seg_ip` (RFC 9293 3.10.7.1): for a segment with
   ACK, SEQ = its ACK; otherwise ACK = its SEQ + its length (SYN and FIN count one). */
static void send_rst(const uint8_t *seg_frame) {
  uint8_t frame[ETH_HDR + 40];
  const uint8_t *seg_ip = seg_frame + ETH_HDR;
  size_t ihl = (size_t)(seg_ip[0] & 0x0f) * 4;
  const uint8_t *tcp = seg_ip + ihl;
  uint8_t *ip = build_ip(frame, seg_frame + 6, IP_PROTO_TCP, rd32(seg_ip + 16), rd32(seg_ip + 12), 20);
  uint8_t *t = ip + 20;
  memset(t, 0, 20);
  memcpy(t, tcp + 2, 2);     /* source port: the destination the device asked for */
  memcpy(t + 2, tcp, 2);     /* destination port: the device's port */
  t[12] = 0x50;
  if (tcp[13] & TCP_ACK) {
    memcpy(t + 4, tcp + 8, 4);
    t[13] = TCP_RST;
  } else {
    size_t data = rd16(seg_ip + 2) - ihl - (size_t)(tcp[12] >> 4) * 4;
    uint32_t len = (uint32_t)data + ((tcp[13] & TCP_SYN) ? 1 : 0) + ((tcp[13] & TCP_FIN) ? 1 : 0);
    wr32be(t + 8, rd32be(tcp + 4) + len);
    t[13] = TCP_RST | TCP_ACK;
  }
  fix_checksums(ip, 40);
  send_frame(frame, sizeof frame);
}

static int proxy_arp(const uint8_t *frame, size_t len) {
  if (len < ETH_HDR + 28 || rd16(frame + 12) != ETHTYPE_ARP) return 0;
  const uint8_t *arp = frame + ETH_HDR;
  if (rd16(arp + 6) != 1 /* request */) return 0;
  uint32_t target = rd32(arp + 24), sender = rd32(arp + 14);
  /* lwIP answers for the router's own address; probes (sender 0.0.0.0) get no answer. */
  if (!is_service_addr(target) || sender == 0 || target == sender) return 0;
  uint8_t reply[ETH_HDR + 28];
  const uint8_t *mine = router_mac();
  memcpy(reply, frame + 6, 6);
  memcpy(reply + 6, mine, 6);
  wr16(reply + 12, ETHTYPE_ARP);
  uint8_t *r = reply + ETH_HDR;
  memcpy(r, arp, 6);           /* htype, ptype, hlen, plen */
  wr16(r + 6, 2);              /* reply */
  memcpy(r + 8, mine, 6);      /* sender: us, for the asked address */
  wr32(r + 14, target);
  memcpy(r + 18, arp + 8, 6);  /* target: the asker */
  wr32(r + 24, sender);
  send_frame(reply, sizeof reply);
  return 1;
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
  if (!(frame[0] & 1) && memcmp(frame, router_mac(), 6) != 0) return 1;
  if (rd16(frame + 12) == ETHTYPE_ARP && len >= ETH_HDR + 28) station_learn(rd32(frame + ETH_HDR + 14), frame + 6);
  if (proxy_arp(frame, len)) return 1;
  if (rd16(frame + 12) != ETHTYPE_IP || len < ETH_HDR + 20) return 0;
  uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || total > len - ETH_HDR || total < ihl + 8) return 1; /* malformed: drop */
  uint32_t dst = rd32(ip + 16);
  uint8_t *l4 = ip + ihl;
  station_learn(rd32(ip + 12), frame + 6);
  /* DHCP (to the broadcast address or to the router) is the host's, like other UDP. */
  if (ip[9] == IP_PROTO_UDP && rd16(l4 + 2) == DHCP_SERVER_PORT && (dst == 0xffffffffu || dst == router_ip())) {
    if ((rd16(ip + 6) & 0x3fff) == 0) lmw_host_router_udp(ip, total);
    return 1;
  }
  /* TCP (but not to its listener port, nor of its own connections) and UDP to the
     router's own address are flows to the host's loopback, as in QEMU's user networking;
     anything else for it is lwIP's. */
  int to_host = dst == router_ip() &&
                ((ip[9] == IP_PROTO_TCP && rd16(l4 + 2) != LMW_ROUTER_TCP_PORT &&
                  !own_connection(rd32(ip + 12), rd16(l4), rd16(l4 + 2))) ||
                 (ip[9] == IP_PROTO_UDP && !own_udp_port(rd16(l4 + 2))));
  if ((dst == router_ip() && !to_host) || dst == 0xffffffffu) return 0;
  if ((ip[16] & 0xf0) == 0xe0) return 1; /* multicast (mDNS, ...): stays on the LAN */
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
      if (!(flags & TCP_RST)) send_rst(frame); /* unknown connection */
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
  wr32(ip + 16, router_ip());
  wr16(l4 + 2, LMW_ROUTER_TCP_PORT);
  fix_checksums(ip, total);
  return 0;
}

void lmw_router_output(lmw_netif *n, uint8_t *frame, size_t len) {
  if (the_router == NULL || the_router->nif != n || len < ETH_HDR + 40 || rd16(frame + 12) != ETHTYPE_IP) return;
  uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if (ip[9] != IP_PROTO_TCP || total > len - ETH_HDR || total < ihl + 20) return;
  uint8_t *l4 = ip + ihl;
  if (rd16(l4) != LMW_ROUTER_TCP_PORT || rd32(ip + 12) != router_ip()) return;
  struct flow *f = flow_by_dev(rd32(ip + 16), rd16(l4 + 2));
  if (f == NULL) return;
  wr32(ip + 12, f->orig_ip);
  wr16(l4, f->orig_port);
  fix_checksums(ip, total);
}

/* Finished flows leave the table within a second of their last pcb. */
static void router_tick(void *arg) {
  (void)arg;
  if (the_router == NULL) return;
  flows_sweep();
  sys_timeout(1000, router_tick, NULL);
}

/* ---- exported -------------------------------------------------------------------------- */

int lmw_router_enable(lmw_netif *nif, uint32_t user_id) {
  if (the_router != NULL) return ERR_USE;
  the_router = (struct router *)calloc(1, sizeof *the_router);
  if (the_router == NULL) return ERR_MEM;
  the_router->nif = nif;
  the_router->user_id = user_id;
  sys_timeout(1000, router_tick, NULL);
  return ERR_OK;
}

void lmw_router_disable(void) {
  if (the_router == NULL) return;
  sys_untimeout(router_tick, NULL);
  while (the_router->flows) flow_free(the_router->flows);
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
  if (f->syn) send_rst(f->syn);
  flow_free(f);
  return ERR_OK;
}

int lmw_router_udp_send(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                        const uint8_t *payload, size_t len) {
  ip4_addr_t s, d;
  if (the_router == NULL) return ERR_CONN;
  if (!ip4addr_aton(src_ip, &s) || !ip4addr_aton(dst_ip, &d) || len > 1472) return ERR_ARG;
  const uint8_t *to = station_mac(ip4_addr_get_u32(&d));
  if (to == NULL) return ERR_RTE; /* no station with that address has spoken yet */
  uint8_t frame[ETH_HDR + 20 + 8 + 1472];
  uint8_t *ip = build_ip(frame, to, IP_PROTO_UDP, ip4_addr_get_u32(&s), ip4_addr_get_u32(&d), 8 + len);
  uint8_t *u = ip + 20;
  wr16(u, src_port);
  wr16(u + 2, dst_port);
  wr16(u + 4, (uint16_t)(8 + len));
  wr16(u + 6, 0);
  memcpy(u + 8, payload, len);
  fix_checksums(ip, 28 + len);
  send_frame(frame, ETH_HDR + 28 + len);
  return ERR_OK;
}

int lmw_router_add_address(const char *ip) {
  ip4_addr_t a;
  if (the_router == NULL) return ERR_CONN;
  if (!ip4addr_aton(ip, &a) || ip4_addr_get_u32(&a) == 0) return ERR_ARG;
  for (size_t i = 0; i < MAX_SERVICE_ADDRS; i++) {
    if (the_router->services[i] == ip4_addr_get_u32(&a)) return ERR_OK;
    if (the_router->services[i] == 0) {
      the_router->services[i] = ip4_addr_get_u32(&a);
      return ERR_OK;
    }
  }
  return ERR_MEM;
}

void lmw_router_disable_for(lmw_netif *n) {
  if (the_router != NULL && the_router->nif == n) lmw_router_disable();
}

int32_t lmw_router_flow_count(void) {
  return the_router ? (int32_t)the_router->flow_count : 0;
}
