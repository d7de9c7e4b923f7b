/* The router's side of the LAN (pairs with router.c, the NAT): the stations it has seen
 * (IPv4 address -> MAC, learned from their frames), its service addresses (answered for
 * ARP and ping, as QEMU's slirp answers for its DNS address), and the frames the router
 * builds itself rather than through lwIP: ARP replies, echo replies, RSTs and UDP. */
#include <string.h>

#include "lwip/inet_chksum.h"
#include "lwip/ip4_addr.h"
#include "lwip/netif.h"
#include "lwip/prot/etharp.h"
#include "lwip/prot/ethernet.h"
#include "lwip/prot/icmp.h"
#include "lwip/prot/ip.h"
#include "lwip/prot/ip4.h"
#include "lwip/prot/tcp.h"

#include "host.h"
#include "lan.h"
#include "lmw_internal.h"

#define MAX_STATIONS 64
#define MAX_SERVICE_ADDRS 4

/* A station of the LAN: its IPv4 address and MAC, learned from its frames. */
struct station {
  uint32_t ip; /* network byte order; 0: free */
  uint8_t mac[6];
  uint32_t seen; /* learning order, for replacing the oldest */
};

static struct {
  lmw_netif *nif;
  struct station stations[MAX_STATIONS];
  uint32_t station_clock;
  uint32_t services[MAX_SERVICE_ADDRS]; /* extra addresses the router answers ARP for */
} lan;

void lan_reset(lmw_netif *nif) {
  memset(&lan, 0, sizeof lan);
  lan.nif = nif;
}

uint32_t lan_router_ip(void) { return ip4_addr_get_u32(netif_ip4_addr(lmw_netif_lwip(lan.nif))); }
const uint8_t *lan_router_mac(void) { return lmw_netif_lwip(lan.nif)->hwaddr; }

int lan_add_service(uint32_t ip) {
  for (size_t i = 0; i < MAX_SERVICE_ADDRS; i++) {
    if (lan.services[i] == ip) return ERR_OK;
    if (lan.services[i] == 0) {
      lan.services[i] = ip;
      return ERR_OK;
    }
  }
  return ERR_MEM;
}

static const uint8_t broadcast_mac[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

void lan_learn(uint32_t ip, const uint8_t *mac) {
  if (ip == 0 || ip == 0xffffffffu || (mac[0] & 1)) return;
  struct station *slot = NULL;
  for (size_t i = 0; i < MAX_STATIONS; i++) {
    struct station *st = &lan.stations[i];
    if (st->ip == ip) { slot = st; break; }
    if (slot == NULL || st->ip == 0 || (slot->ip != 0 && st->seen < slot->seen)) slot = st;
  }
  slot->ip = ip;
  memcpy(slot->mac, mac, 6);
  slot->seen = ++lan.station_clock;
}

/* Where a frame to `ip` goes: the station's MAC, broadcast for the limited broadcast
   address, NULL for an address not seen on the LAN. */
const uint8_t *lan_mac_of(uint32_t ip) {
  if (ip == 0xffffffffu) return broadcast_mac;
  for (size_t i = 0; i < MAX_STATIONS; i++) {
    if (lan.stations[i].ip == ip) return lan.stations[i].mac;
  }
  return NULL;
}

int lan_is_service(uint32_t ip) {
  for (size_t i = 0; i < MAX_SERVICE_ADDRS; i++) {
    if (ip != 0 && lan.services[i] == ip) return 1;
  }
  return 0;
}

/* Recomputes the IPv4 header checksum and the TCP/UDP checksum of a contiguous packet. */
void lan_fix_checksums(uint8_t *ip, size_t ip_len) {
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

void lan_send(uint8_t *frame, size_t len) {
  lmw_host_link_output(lmw_netif_link_id(lan.nif), frame, len);
}

/* Builds an Ethernet + IPv4 header toward the station with MAC `to`; returns the IP
   header pointer. */
uint8_t *lan_build_ip(uint8_t *frame, const uint8_t *to, uint8_t proto, uint32_t src, uint32_t dst, size_t l4_len) {
  memcpy(frame, to, 6);
  memcpy(frame + 6, lan_router_mac(), 6);
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
void lan_send_rst(const uint8_t *seg_frame) {
  uint8_t frame[ETH_HDR + 40];
  const uint8_t *seg_ip = seg_frame + ETH_HDR;
  size_t ihl = (size_t)(seg_ip[0] & 0x0f) * 4;
  const uint8_t *tcp = seg_ip + ihl;
  uint8_t *ip = lan_build_ip(frame, seg_frame + 6, IP_PROTO_TCP, rd32(seg_ip + 16), rd32(seg_ip + 12), 20);
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
  lan_fix_checksums(ip, 40);
  lan_send(frame, sizeof frame);
}

int lan_proxy_arp(const uint8_t *frame, size_t len) {
  if (len < ETH_HDR + 28 || rd16(frame + 12) != ETHTYPE_ARP) return 0;
  const uint8_t *arp = frame + ETH_HDR;
  if (rd16(arp + 6) != 1 /* request */) return 0;
  uint32_t target = rd32(arp + 24), sender = rd32(arp + 14);
  /* lwIP answers for the router's own address; probes (sender 0.0.0.0) get no answer. */
  if (!lan_is_service(target) || sender == 0 || target == sender) return 0;
  uint8_t reply[ETH_HDR + 28];
  const uint8_t *mine = lan_router_mac();
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
  lan_send(reply, sizeof reply);
  return 1;
}

/* An echo request to a service address: the reply goes straight back to the sender. */
void lan_echo_reply(const uint8_t *frame, size_t len) {
  static uint8_t out[ETH_HDR + LMW_LINK_MTU];
  const uint8_t *ip = frame + ETH_HDR;
  size_t ihl = (size_t)(ip[0] & 0x0f) * 4;
  size_t total = rd16(ip + 2);
  if (total > sizeof out - ETH_HDR || total < ihl + 8 || ip[ihl] != ICMP_ECHO || ip[ihl + 1] != 0) return;
  if ((rd16(ip + 6) & 0x3fff) != 0) return; /* fragments: not reassembled */
  memcpy(out, frame, ETH_HDR + total);
  memcpy(out, frame + 6, 6);
  memcpy(out + 6, lan_router_mac(), 6);
  uint8_t *rip = out + ETH_HDR;
  memcpy(rip + 12, ip + 16, 4);
  memcpy(rip + 16, ip + 12, 4);
  rip[8] = 64;
  uint8_t *icmp = rip + ihl;
  icmp[0] = ICMP_ER;
  wr16(icmp + 2, 0);
  u16_t c = inet_chksum(icmp, (u16_t)(total - ihl));
  memcpy(icmp + 2, &c, 2);
  lan_fix_checksums(rip, total);
  lan_send(out, ETH_HDR + total);
  (void)len;
}

