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
 *   - ARP requests for any address of the subnet other than the device's own are answered
 *     with the router's MAC (proxy ARP), so the DNS address 10.0.2.3 answers too.
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
#include "lwip/timeouts.h"

#include "host.h"
#include "lmw_internal.h"
#include "router.h"

#define ETH_HDR 14
#define FLOW_PENDING 1
#define FLOW_ACTIVE 2
#define PENDING_TIMEOUT_MS 60000u

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
  uint8_t dev_mac[6];
  int have_dev_mac;
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
    int dead = f->state == FLOW_ACTIVE ? (now - f->created_ms > 2000u && !flow_has_pcb(f))
                                       : (now - f->created_ms > PENDING_TIMEOUT_MS);
    if (dead) flow_free(f);
    f = next;
  }
}

static void send_frame(uint8_t *frame, size_t len) {
  lmw_host_link_output(lmw_netif_link_id(the_router->nif), frame, len);
}

/* Builds an Ethernet + IPv4 header toward the device; returns the IP header pointer. */
static uint8_t *build_ip(uint8_t *frame, uint8_t proto, uint32_t src, uint32_t dst, size_t l4_len) {
  memcpy(frame, the_router->dev_mac, 6);
  memcpy(frame + 6, lmw_netif_lwip(the_router->nif)->hwaddr, 6);
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
static void send_rst(const uint8_t *seg_ip) {
  uint8_t frame[ETH_HDR + 40];
  size_t ihl = (size_t)(seg_ip[0] & 0x0f) * 4;
  const uint8_t *tcp = seg_ip + ihl;
  uint8_t *ip = build_ip(frame, IP_PROTO_TCP, rd32(seg_ip + 16), rd32(seg_ip + 12), 20);
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
  if (target == router_ip() || target == sender) return 0; /* lwIP answers for itself */
  uint8_t reply[ETH_HDR + 28];
  const uint8_t *mine = lmw_netif_lwip(the_router->nif)->hwaddr;
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

int lmw_router_input(lmw_netif *n, uint8_t *frame, size_t len) {
  if (the_router == NULL || the_router->nif != n || len < ETH_HDR) return 0;
  memcpy(the_router->dev_mac, frame + 6, 6);
  the_router->have_dev_mac = 1;
  if (proxy_arp(frame, len)) return 1;
  if (rd16(frame + 12) != ETHTYPE_IP || len < ETH_HDR + 20) return 0;
  uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if ((ip[0] >> 4) != 4 || ihl < 20 || total > len - ETH_HDR || total < ihl + 8) return 1; /* malformed: drop */
  uint32_t dst = rd32(ip + 16);
  uint8_t *l4 = ip + ihl;
  /* TCP (but not to its listener port) and UDP to the router's own address are flows to
     the host's loopback, as in QEMU's user networking; anything else for it is lwIP's. */
  int to_host = dst == router_ip() &&
                ((ip[9] == IP_PROTO_TCP && rd16(l4 + 2) != LMW_ROUTER_TCP_PORT) || ip[9] == IP_PROTO_UDP);
  if ((dst == router_ip() && !to_host) || dst == 0xffffffffu) return 0;
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
      if (!(flags & TCP_RST)) send_rst(ip); /* unknown connection */
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
  nat_rewrite_tcp(ip, ip + 16, l4 + 2, router_ip(), LMW_ROUTER_TCP_PORT);
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
  nat_rewrite_tcp(ip, ip + 12, l4, f->orig_ip, f->orig_port);
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
  if (f->syn) send_rst(f->syn + ETH_HDR);
  flow_free(f);
  return ERR_OK;
}

int lmw_router_udp_send(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                        const uint8_t *payload, size_t len) {
  ip4_addr_t s, d;
  if (the_router == NULL || !the_router->have_dev_mac) return ERR_CONN;
  if (!ip4addr_aton(src_ip, &s) || !ip4addr_aton(dst_ip, &d) || len > 1472) return ERR_ARG;
  uint8_t frame[ETH_HDR + 20 + 8 + 1472];
  uint8_t *ip = build_ip(frame, IP_PROTO_UDP, ip4_addr_get_u32(&s), ip4_addr_get_u32(&d), 8 + len);
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

void lmw_router_disable_for(lmw_netif *n) {
  if (the_router != NULL && the_router->nif == n) lmw_router_disable();
}

int32_t lmw_router_flow_count(void) {
  return the_router ? (int32_t)the_router->flow_count : 0;
}
