/* The router's side of the LAN (native/router/lan.c): stations, service addresses and the
 * frames the router builds itself. Internal to the router; nothing here is exported. */
#ifndef LMW_ROUTER_LAN_H
#define LMW_ROUTER_LAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "lmw_api.h"

#define ETH_HDR 14

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
/* 32-bit addresses stay in network byte order. */
static inline uint32_t rd32(const uint8_t *p) { uint32_t v; memcpy(&v, p, 4); return v; }
static inline void wr32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }

/** Starts over for the router netif `nif` (NULL: the router is gone). */
void lan_reset(lmw_netif *nif);
uint32_t lan_router_ip(void);
const uint8_t *lan_router_mac(void);

/** Remembers that `ip` lives behind `mac` (unicast MACs, real addresses only). */
void lan_learn(uint32_t ip, const uint8_t *mac);
/** Where a frame to `ip` goes: the station's MAC, broadcast for 255.255.255.255, or NULL
 *  for an address no station has used yet. */
const uint8_t *lan_mac_of(uint32_t ip);
/** A service address (the DNS server's): ARP and ping are answered for it. ERR_MEM past 4. */
int lan_add_service(uint32_t ip);
int lan_is_service(uint32_t ip);

/** Answers an ARP request for a service address; 1 if the frame was one (consumed). */
int lan_proxy_arp(const uint8_t *frame, size_t len);
/** Answers an ICMP echo request (to a service address) straight back to its sender. */
void lan_echo_reply(const uint8_t *frame, size_t len);

/** Recomputes the IPv4 header checksum and the TCP/UDP checksum of a contiguous packet. */
void lan_fix_checksums(uint8_t *ip, size_t ip_len);
/** Writes an Ethernet + IPv4 header toward MAC `to`; returns the IPv4 header. */
uint8_t *lan_build_ip(uint8_t *frame, const uint8_t *to, uint8_t proto, uint32_t src, uint32_t dst, size_t l4_len);
/** Sends a frame out of the router netif. */
void lan_send(uint8_t *frame, size_t len);
/** A RST answering the TCP segment in `seg_frame` (RFC 9293 3.10.7.1), to its sender. */
void lan_send_rst(const uint8_t *seg_frame);

#endif
