/* lwIP options for lwip-mbedtls-wasm.
 *
 * Starts from the Raspberry Pi Pico W examples' common options
 * (pico-examples/pico_w/wifi/lwipopts_examples_common.h plus the TLS client's
 * additions); every value that differs from them says why. TCP_MSS, LMW_FAST_LINK_MTU,
 * TCP_WND and TCP_SND_BUF are behind #ifndef, so a build can try other values with -D;
 * the rest is fixed here.
 */
#ifndef LMW_LWIPOPTS_H
#define LMW_LWIPOPTS_H

/* ---- as in the Pico W examples --------------------------------------------------- */
#define NO_SYS                      1
#define SYS_LIGHTWEIGHT_PROT        0   /* single-threaded: nothing to protect */
#define LWIP_SOCKET                 0
#define LWIP_NETCONN                0
#define LWIP_ARP                    1
#define LWIP_ETHERNET               1
#define LWIP_ICMP                   1
#define LWIP_RAW                    1
#define LWIP_IPV4                   1
#define LWIP_TCP                    1
#define LWIP_UDP                    1
#define LWIP_DNS                    1
#define LWIP_TCP_KEEPALIVE          1
#define LWIP_NETIF_STATUS_CALLBACK  1
#define LWIP_NETIF_LINK_CALLBACK    1
#define LWIP_NETIF_HOSTNAME         1
#define LWIP_NETIF_TX_SINGLE_PBUF   1
#define LWIP_CHKSUM_ALGORITHM       3
#define MEM_ALIGNMENT               4
/* The largest MSS; what a connection uses is bounded by its netif's MTU (lwIP's
 * TCP_CALCULATE_EFF_SEND_MSS), so a netif at MTU 1500 (lmw_netif_add's default: the
 * cross-check, Pico fidelity) still says and sends 1460. The in-memory link between the
 * device and the router runs at LMW_FAST_LINK_MTU: measured, 20 MiB ChaCha20 through
 * the stack ~1.5x faster at 16 KiB segments than at 1460 (fewer frames through two TCP
 * stacks and the JS link). */
#ifndef TCP_MSS
#define TCP_MSS                     (LMW_FAST_LINK_MTU - 40)
#endif
#ifndef LMW_FAST_LINK_MTU
#define LMW_FAST_LINK_MTU           16422   /* lwIP's largest MSS (16382) + 40 */
#endif
#define LWIP_ALTCP                  1
#define LWIP_ALTCP_TLS              1
#define LWIP_ALTCP_TLS_MBEDTLS      1

/* ---- differs from the Pico W examples -------------------------------------------- */

/* The heap is the host's malloc (it grows in WASM) instead of a fixed 4000-byte lwIP
 * heap and fixed pools: the router instance holds many flows at once, and a leak check
 * reads one allocator. With MEMP_MEM_MALLOC the MEMP_NUM_* counts are not hard caps. */
#define MEM_LIBC_MALLOC             1
#define MEMP_MEM_MALLOC             1
/* With MEM_LIBC_MALLOC lwIP has no heap of its own, so MEM_SIZE sizes nothing. One use
 * remains: altcp_tls_mbedtls_mem.c refuses a single Mbed TLS allocation above it. */
#define MEM_SIZE                    (256 * 1024)
#define MEMP_NUM_TCP_PCB            256
#define MEMP_NUM_TCP_PCB_LISTEN     16
#define MEMP_NUM_UDP_PCB            64
#define MEMP_NUM_TCP_SEG            512
#define PBUF_POOL_SIZE              64
#define MEMP_NUM_SYS_TIMEOUT        (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 8)

/* TCP_WND of 128 KiB (examples: 8 * TCP_MSS = 11,680). It must exceed one full TLS
 * record (16,384 bytes of payload plus header and tag): with a smaller window Mbed TLS
 * waits for the rest of a record the peer may not send - the stall pico-examples hit at
 * exactly 16 KB. Measured, 24 segments of 1460 (35,040 bytes) still stalled bulk reads
 * behind the router. The send buffer matches, so several TLS records can be in flight. */
#ifndef TCP_WND
#define TCP_WND                     (128 * 1024)  /* measured: 35,040 (24 x 1460) stalled bulk reads */
#endif
#ifndef TCP_SND_BUF
#define TCP_SND_BUF                 (128 * 1024)
#endif
/* lwIP's sanity check bounds it below 0xFFFF - 4 * TCP_MSS; only the netconn and socket
 * APIs (off here) read it. */
#define TCP_SNDLOWAT                4
/* Queue length counted in 1460-byte segments, so MTU-1500 netifs are not starved. */
#define TCP_SND_QUEUELEN            ((4 * (TCP_SND_BUF) + 1459) / 1460)
/* Received frames up to a 1500-byte MTU fit one pool buffer (the default follows TCP_MSS,
 * which would make every ACK a 16 KiB allocation); larger frames get one PBUF_RAM. */
#define PBUF_POOL_BUFSIZE           1536
/* Checksums per netif: the in-memory device-router link skips them unless a capture
 * watches it or another station shares the LAN (lmw_netif_set_link). */
#define LWIP_CHECKSUM_CTRL_PER_NETIF 1
/* Window scaling (RFC 7323) with a shift of 2: windows up to 0xFFFF << 2 (256 KiB) can
 * be offered. TCP_WND above (128 KiB) needs it; a build may set TCP_WND up to 256 KiB
 * (-DTCP_WND) without touching the other options. lwIP advertises the window in units
 * of 4 bytes while it is on (both peers are lwIP here, so both agree to it). */
#define LWIP_WND_SCALE              1
#define TCP_RCV_SCALE               2

/* TIME_WAIT lasts 2 * TCP_MSL. lwIP's default MSL (60 s) guards against late duplicates
 * on real networks; here the only TCP peer is the other stack across an in-memory link
 * that neither delays nor duplicates, and the router would otherwise hold every closed
 * flow for two minutes. */
#define TCP_MSL                     1000UL

/* TCP initial sequence numbers come from the host's randomness: RFC 6528 asks for
 * unpredictable ones, and lwIP's default (a counter from 6510 plus its timer ticks)
 * depends on timing, which a deterministic run (seeded randomness, virtual clock) must
 * not. The first local port is random too, for the same two reasons. */
#define LWIP_HOOK_TCP_ISN(local_ip, local_port, remote_ip, remote_port) LWIP_RAND()
#define LWIP_RANDOMIZE_INITIAL_LOCAL_PORTS 1

/* Addresses are static by default (10.0.2.15/24, as in QEMU user networking); a netif
 * may instead ask the router's DHCP server (`device: { dhcp: true }`), as the examples
 * ask the access point. No address conflict detection (the examples' lwIP does it): the
 * router leases each address once, and the check would hold the device ~5 s per start. */
#define LWIP_DHCP                   1
#define LWIP_DHCP_DOES_ACD_CHECK    0
#define LWIP_AUTOIP                 0
#define LWIP_ACD                    0

/* DNS: a few servers and a table large enough for a browser-like session. */
#define DNS_MAX_SERVERS             2
#define DNS_TABLE_SIZE              8
#define DNS_MAX_NAME_LENGTH         256

/* Statistics are on (the examples turn them off): tests read them to check for leaks. */
#define LWIP_STATS                  1
#define MEM_STATS                   1
#define MEMP_STATS                  1
#define LINK_STATS                  1
#define SYS_STATS                   0
#define LWIP_STATS_DISPLAY          0

/* IPv6 is off: the virtual link and the router's NAT are IPv4. */
#define LWIP_IPV6                   0

/* lwIP's debug output is a build choice: it is compiled into the debug build only
 * (LMW_DEBUG_BUILD: lmw_debug.wasm, loaded when a stack asks for `debug` or
 * `debugBuild: true`, and the native build); the release module lmw.wasm leaves its
 * strings and checks out. In the debug build it goes to the host log once
 * lmw_set_debug() (the TypeScript `debug: { lwip: true }` option) sets
 * lmw_lwip_debug_types, which lwIP reads as LWIP_DBG_TYPES_ON at every LWIP_DEBUGF.
 * lwIP tests LWIP_DEBUG with #ifdef: it is defined only here, never as 0.
 * Without it, LWIP_ERROR's messages are dropped too (their handlers still run). Measured
 * (before the debug module), leaving it out made lmw.wasm 12.3 KB smaller (440,487 ->
 * 428,210 bytes; gzip -9: 4.3 KB); with Mbed TLS's debug output and self-tests
 * (lmw_mbedtls_config.h) 41 KB of the gzipped module. */
extern unsigned char lmw_lwip_debug_types;
/* Not lwIP's own debug output: with it on, lwIP's TLS layer registers an Mbed TLS debug
 * callback, which native/tls/altcp_tls_36.c points straight at the host log. Mbed TLS's
 * debug output (lmw_set_debug's threshold, MBEDTLS_DEBUG_C: the debug build) depends on it. */
#define ALTCP_MBEDTLS_LIB_DEBUG     LWIP_DBG_ON
#if defined(LMW_DEBUG_BUILD)
#define LWIP_DEBUG                  1
#define LWIP_DBG_TYPES_ON           (lmw_lwip_debug_types)
#define LWIP_DBG_MIN_LEVEL          LWIP_DBG_LEVEL_ALL
#define ALTCP_MBEDTLS_DEBUG         LWIP_DBG_ON
#define TCP_DEBUG                   LWIP_DBG_ON
#define DNS_DEBUG                   LWIP_DBG_ON
#endif

/* TLS: verify the server's certificate by default (lwIP's default is OPTIONAL, which
 * completes a handshake with an untrusted certificate). The loudly named insecure
 * option of the API lowers it per configuration. */
#define ALTCP_MBEDTLS_AUTHMODE      MBEDTLS_SSL_VERIFY_REQUIRED
#define ALTCP_MBEDTLS_USE_SESSION_TICKETS 1
#define ALTCP_MBEDTLS_SESSION_TICKET_CIPHER MBEDTLS_CIPHER_CHACHA20_POLY1305

#endif
