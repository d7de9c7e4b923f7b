/* lwip-mbedtls-wasm: the exported C API. The one file every host (TypeScript over WASM,
 * the native harness) calls; every exported function is declared here with LMW_API, and
 * the build derives the WASM export list and the typed TypeScript view from these lines
 * (scripts/generate.ts), so they cannot drift.
 *
 * Conventions
 *  - Prefix lmw_. Objects are opaque handles (lmw_conn, lmw_tls_config, lmw_netif);
 *    no struct layout crosses the boundary.
 *  - Functions return an int status: 0 on success. lmw_tls_config_* return Mbed TLS
 *    codes (negative, mbedtls/error.h); all others return lwIP err_t (lwip/err.h). The
 *    two ranges overlap, so the function says which table applies. Objects come back
 *    through out-parameters, never as a bare NULL.
 *  - Ownership: strings and byte buffers passed in are borrowed for the call only (the
 *    C side copies what it keeps). Handles returned through out-parameters are owned
 *    by the caller and freed with their matching lmw_*_free(). Buffers filled by the
 *    C side (lmw_conn_read, lmw_conn_info) belong to the caller.
 *  - Events: C never calls back into the host synchronously with work to do. It calls
 *    lmw_host_event(user_id, LMW_EV_*, arg) (native/host/host.h), which only queues;
 *    the host acts after the current call returns and never re-enters lwIP from it.
 *  - Single-threaded: one stack per WASM instance (or per native process image).
 */
#ifndef LMW_API_H
#define LMW_API_H

#include <stddef.h>
#include <stdint.h>

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define LMW_API EMSCRIPTEN_KEEPALIVE
#else
#define LMW_API __attribute__((visibility("default")))
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef struct lmw_conn lmw_conn;
typedef struct lmw_tls_config lmw_tls_config;
typedef struct lmw_netif lmw_netif;
typedef struct lmw_tls_session lmw_tls_session;
typedef struct lmw_udp lmw_udp;

/* Events passed to lmw_host_event(user_id, kind, arg). */
#define LMW_EV_CONNECTED   1 /* TCP connected, or TLS handshake done (arg 0) */
#define LMW_EV_READABLE    2 /* bytes queued for lmw_conn_read (arg: bytes now queued) */
#define LMW_EV_EOF         3 /* the peer finished sending (arg 0) */
#define LMW_EV_WRITABLE    4 /* send space freed (arg: bytes acknowledged) */
#define LMW_EV_ERROR       5 /* the connection is gone (arg: lwIP err_t); see lmw_conn_tls_error() */
#define LMW_EV_ACCEPT      6 /* a listener has a connection for lmw_conn_accept (arg: pending) */
#define LMW_EV_DNS         7 /* lmw_dns_lookup finished (arg: 0 or err_t); read lmw_dns_result() */
#define LMW_EV_CLOSED      8 /* a graceful close completed; the handle may be freed */
#define LMW_EV_FLOW        9 /* router: a new flow is pending (arg: pending count) */
#define LMW_EV_TCP_UP     11 /* TLS: the TCP connection is up, the handshake begins (arg 0) */
#define LMW_EV_APP_DONE   10 /* a C app finished (arg: 0 or lwIP err_t); read lmw_app_result() */
#define LMW_EV_NETIF      12 /* a netif's address changed (arg: 1 has one, 0 none); lmw_netif_addresses() */

/* TLS verification modes (lmw_tls_config_set_verify). */
#define LMW_VERIFY_NONE     0 /* skip verification: the Pico examples' behaviour. Insecure. */
#define LMW_VERIFY_OPTIONAL 1
#define LMW_VERIFY_REQUIRED 2 /* the default */

/* ---- life cycle --------------------------------------------------------------------- */

/** Initialises lwIP, Mbed TLS's platform hooks and PSA crypto. Idempotent. */
LMW_API int lmw_init(void);
/** Runs due lwIP timers; returns milliseconds until the next one (0xFFFFFFFF: none). */
LMW_API uint32_t lmw_timers_run(void);
/** Runs Mbed TLS's self-tests (output on stdout). Returns the number of failed tests; -1
 *  in a build without them (the release WASM module; LMW_DEBUG_BUILD has them). */
LMW_API int lmw_selftest(int verbose);
/** Polls the entropy source as Mbed TLS does: fills buf[0..len), *olen = bytes filled. */
LMW_API int lmw_entropy_poll(uint8_t *buf, size_t len, size_t *olen);
/** Bytes of heap in use (malloc'd and not freed): the leak checks' measure. */
LMW_API size_t lmw_heap_in_use(void);
/** Failed lwIP assertions since start (they are reported, not fatal). */
LMW_API uint32_t lmw_assert_count(void);
/** Debug output to the host log: lwIP debug on/off, Mbed TLS debug threshold 0-4. Both
 *  exist only in the debug build (LMW_DEBUG_BUILD: lmw_debug.wasm, the native build; see
 *  lmw_constant("LWIP_DEBUG")); elsewhere this sets nothing that prints. */
LMW_API void lmw_set_debug(int lwip_on, int mbedtls_level);
/** Library versions, e.g. "lwIP 2.2.1, Mbed TLS 3.6.7". Static string. */
LMW_API const char *lmw_version(void);
/** A build-time constant by name ("TCP_MSS", "TCP_WND", "TCP_SND_BUF", "MTU",
 *  "FAST_LINK_MTU" (the largest lmw_netif_set_link accepts), "LWIP_DEBUG" (1 in the debug
 *  build, where lwIP's debug output is compiled in), ...); -1 if unknown. */
LMW_API int32_t lmw_constant(const char *name);
/** A live count by name; -1 if unknown. "tcp_active", "tcp_time_wait", "tcp_listen" and
 *  "udp_pcbs": lwIP's pcb lists; "conns": lmw_conn handles not yet freed; "timeouts": lwIP
 *  timers pending; "memp_errors": failed pool allocations; "asserts": as lmw_assert_count. */
LMW_API int32_t lmw_stat(const char *name);

/* ---- network interface -------------------------------------------------------------- */

/** Adds an Ethernet netif (MTU 1500) with a static IPv4 address ("10.0.2.15"), mask and
 *  gateway; frames it sends go to lmw_host_link_output(link_id, ...). `is_default`
 *  makes it the default route. */
LMW_API int lmw_netif_add(uint32_t link_id, const uint8_t *mac6, const char *ip, const char *netmask,
                          const char *gateway, int is_default, lmw_netif **out);
/** Sets the netif's MTU (576..FAST_LINK_MTU; TCP's MSS follows it) and whether lwIP computes
 *  and checks IP/TCP/UDP/ICMP checksums on it (1: all, as on a wire; 0: none, for an
 *  in-memory link nobody captures). lmw_netif_add's netif: 1500 with checksums. */
LMW_API int lmw_netif_set_link(lmw_netif *nif, uint32_t mtu, int checksums);
/** Hands a received Ethernet frame to the netif (copied; the buffer may be rewritten in
 *  place by the router's NAT). */
LMW_API int lmw_netif_input(lmw_netif *nif, uint8_t *frame, size_t len);
/** Removes the netif and frees it. */
LMW_API void lmw_netif_free(lmw_netif *nif);
/** Sets DNS server `index` (0 or 1) to an IPv4 address. */
LMW_API int lmw_dns_set_server(int index, const char *ip);
/* DHCP client (native/link/dhcp_client.c): lwIP's own, on a netif added with 0.0.0.0. */
/** Starts lwIP's DHCP client on `nif`; LMW_EV_NETIF(user_id, 1) when it has an address. */
LMW_API int lmw_netif_dhcp_start(lmw_netif *nif, uint32_t user_id);
/** Stops the client and frees its state (before lmw_netif_free). */
LMW_API void lmw_netif_dhcp_stop(lmw_netif *nif);
/** The netif's IPv4 address, netmask and gateway as "a.b.c.d m.m.m.m g.g.g.g". */
LMW_API int lmw_netif_addresses(lmw_netif *nif, char *buf, size_t cap);

/* ---- DNS ------------------------------------------------------------------------------ */

/** Starts resolving `name` with lwIP's DNS client; LMW_EV_DNS(user_id) reports the end,
 *  unless it was answered at once (status 0, result ready now). ERR_INPROGRESS: wait. */
LMW_API int lmw_dns_lookup(uint32_t user_id, const char *name);
/** The result of the last lookup of user_id as dotted text into buf; 0 or ERR_VAL (not found). */
LMW_API int lmw_dns_result(uint32_t user_id, char *buf, size_t cap);

/* ---- TLS configuration -------------------------------------------------------------- */

/** A client configuration trusting the PEM/DER roots in `ca` (may hold many; roots Mbed TLS
 *  cannot parse are skipped and counted in *skipped; none parsed is an error). ca_len 0:
 *  no roots (only useful with LMW_VERIFY_NONE). Verification is REQUIRED by default. */
LMW_API int lmw_tls_config_client(const uint8_t *ca, size_t ca_len, int *skipped, lmw_tls_config **out);
/** A server configuration with one certificate chain (PEM) and its private key (PEM). */
LMW_API int lmw_tls_config_server(const uint8_t *cert, size_t cert_len, const uint8_t *key, size_t key_len,
                                  lmw_tls_config **out);
/** LMW_VERIFY_NONE / OPTIONAL / REQUIRED. */
LMW_API int lmw_tls_config_set_verify(lmw_tls_config *cfg, int mode);
/** TLS versions as 0x0303 (1.2) / 0x0304 (1.3); 0 keeps the current bound. */
LMW_API int lmw_tls_config_set_versions(lmw_tls_config *cfg, int min_version, int max_version);
/** ALPN protocols, comma-separated ("h2,http/1.1"); "" clears. */
LMW_API int lmw_tls_config_set_alpn(lmw_tls_config *cfg, const char *protocols);
/** Cipher suites by IANA/Mbed TLS name, comma-separated, in preference order. */
LMW_API int lmw_tls_config_set_ciphersuites(lmw_tls_config *cfg, const char *names);
/** A client certificate chain and key (PEM) for servers that ask for one. */
LMW_API int lmw_tls_config_set_client_cert(lmw_tls_config *cfg, const uint8_t *cert, size_t cert_len,
                                           const uint8_t *key, size_t key_len);
/** Emits session secrets as NSS key log lines (Wireshark) via lmw_host_log(LMW_LOG_KEYLOG, ...). */
LMW_API int lmw_tls_config_set_keylog(lmw_tls_config *cfg, int on);
LMW_API void lmw_tls_config_free(lmw_tls_config *cfg);

/* ---- connections ---------------------------------------------------------------------- */

/** A new TCP connection handle; TLS over it when `tls` is given (borrowed: the config must
 *  outlive the connection). Events carry `user_id`. */
LMW_API int lmw_conn_new(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out);
/** A new listening handle (for lmw_conn_listen); TLS when `tls` is a server config. */
LMW_API int lmw_conn_new_server(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out);
/** TLS: the server name for SNI and for the certificate name check. */
LMW_API int lmw_conn_set_hostname(lmw_conn *c, const char *hostname);
/** TLS: offer a saved session (resumption) on this connection; copied at connect, so `s`
 *  may be freed after lmw_conn_connect. */
LMW_API int lmw_conn_set_session(lmw_conn *c, lmw_tls_session *s);
/** TLS: a copy of the connection's session for a later lmw_conn_set_session (TLS 1.3: the
 *  last ticket received, so call it after some data was read). Freed by the caller. */
LMW_API int lmw_conn_get_session(lmw_conn *c, lmw_tls_session **out);
LMW_API void lmw_tls_session_free(lmw_tls_session *s);
/** Connects to an IPv4 address; LMW_EV_CONNECTED or LMW_EV_ERROR follows. */
LMW_API int lmw_conn_connect(lmw_conn *c, const char *ip, uint16_t port);
/** Binds and listens; LMW_EV_ACCEPT follows for each connection. */
LMW_API int lmw_conn_listen(lmw_conn *c, const char *ip, uint16_t port, int backlog);
/** Takes the next pending accepted connection of listener `l`, giving it `user_id`. */
LMW_API int lmw_conn_accept(lmw_conn *l, uint32_t user_id, lmw_conn **out);
/** Queues up to `len` bytes; *written says how many (0: wait for LMW_EV_WRITABLE). */
LMW_API int lmw_conn_write(lmw_conn *c, const uint8_t *buf, size_t len, size_t *written);
/** Copies up to `cap` received bytes out and acknowledges them to lwIP (opening the TCP
 *  window): the reader's pace is the sender's pace. */
LMW_API int lmw_conn_read(lmw_conn *c, uint8_t *buf, size_t cap, size_t *n);
/** Plain TCP only: no more data will be sent (FIN); reading goes on. */
LMW_API int lmw_conn_shutdown_write(lmw_conn *c);
/** Graceful close (TLS close_notify, then FIN). LMW_EV_CLOSED follows. */
LMW_API int lmw_conn_close(lmw_conn *c);
/** Forced close: RST. The handle stays valid until lmw_conn_free. */
LMW_API void lmw_conn_abort(lmw_conn *c);
/** Frees the handle (aborting the connection if still open). */
LMW_API void lmw_conn_free(lmw_conn *c);
/** The Mbed TLS code that ended the connection or failed its handshake (0 if none). */
LMW_API int lmw_conn_tls_error(lmw_conn *c);
/** X.509 verification flags after a TLS handshake (MBEDTLS_X509_BADCERT_*), 0 if none. */
LMW_API uint32_t lmw_conn_verify_flags(lmw_conn *c);
/** Connection details as "key=value\n" text into buf (NUL-terminated); *len = full length
 *  (ERR_BUF when it did not fit). Keys: local, remote ("a.b.c.d:port"); after a TLS
 *  handshake tls_version, tls_suite, alpn (if agreed), then per certificate of the peer's
 *  chain, leaf first: peer_subject, peer_issuer, peer_not_before, peer_not_after
 *  (ISO 8601, UTC), peer_der (base64 DER). */
LMW_API int lmw_conn_info(lmw_conn *c, char *buf, size_t cap, size_t *len);
/** After a failed TLS handshake (or a fatal alert later): "key=value\n" text into buf as
 *  lmw_conn_info. Keys: alert (the fatal alert the peer sent, RFC 8446 6.2), then, if
 *  certificate verification failed, per certificate cert_from (peer: sent by the peer, leaf first; ca: the anchor from our CA
 *  set), cert_verify (its MBEDTLS_X509_BADCERT_* flags, hex; absent if not on the
 *  verified path), peer_subject, peer_issuer, peer_not_before, peer_not_after, peer_der. */
LMW_API int lmw_conn_tls_failure(lmw_conn *c, char *buf, size_t cap, size_t *len);

/* ---- UDP ------------------------------------------------------------------------------ */

/** A UDP socket on an ephemeral port; LMW_EV_READABLE(user_id, datagrams queued) as
 *  datagrams arrive (at most 64 are kept; more are dropped, as UDP may). */
LMW_API int lmw_udp_new(uint32_t user_id, lmw_udp **out);
/** Sends one datagram to an IPv4 address. */
LMW_API int lmw_udp_send(lmw_udp *u, const char *ip, uint16_t port, const uint8_t *data, size_t len);
/** Takes the next datagram: up to `cap` bytes (the rest is dropped), *n its full length,
 *  the sender as "a.b.c.d:port" in `from`. ERR_WOULDBLOCK when none is queued. */
LMW_API int lmw_udp_recv(lmw_udp *u, uint8_t *buf, size_t cap, size_t *n, char *from, size_t from_cap);
LMW_API void lmw_udp_free(lmw_udp *u);

/* ---- router (native/router/router.c) ------------------------------------------------------
 * One netif of a stack can act as the router of the device on the other end of its
 * link: every TCP flow the device opens is held (LMW_EV_FLOW(user_id, flow id)) until the
 * host has dialed the real destination, then accepted into a listener on port 1 of the
 * router's address, or refused with a RST. UDP goes to lmw_host_router_udp. */

/** Makes `nif` the router's netif; flow events carry `user_id`. One router per stack. */
LMW_API int lmw_router_enable(lmw_netif *nif, uint32_t user_id);
LMW_API void lmw_router_disable(void);
/** The destination the device asked for, as "a.b.c.d:port", and the device's source port. */
LMW_API int lmw_router_flow_target(uint32_t flow_id, char *buf, size_t cap, uint32_t *dev_port);
/** The dial succeeded: the held SYN goes on to the listener on port 1. */
LMW_API int lmw_router_flow_accept(uint32_t flow_id);
/** The dial failed: the device gets a RST (connection refused). */
LMW_API int lmw_router_flow_reject(uint32_t flow_id);
/** Sends a UDP datagram to the device from src_ip:src_port (e.g. a DNS answer). */
LMW_API int lmw_router_udp_send(const char *src_ip, uint16_t src_port, const char *dst_ip, uint16_t dst_port,
                                const uint8_t *payload, size_t len);
/** Flows in the NAT table (pending and active). */
LMW_API int32_t lmw_router_flow_count(void);
/** A service address of the router (the DNS server's): it answers ARP for it. Up to 4. */
LMW_API int lmw_router_add_address(const char *ip);

/* ---- the book's HTTPS client (native/apps/https_client.c) ---------------------------------
 * The Pico W style TLS client in C: lwIP DNS, altcp_tls_new, altcp_connect, one GET with
 * "Connection: close", the response until the server closes. Verified by default. */

/** Starts a GET of https://host:port/path with lwIP's altcp_tls from C. `connect_ip`: an
 *  IPv4 address to connect to instead of resolving `host` (NULL or "": resolve with lwIP's
 *  DNS); `host` stays the SNI, the certificate name and the Host header. `ca_pem`: the
 *  trusted roots (PEM with its NUL counted in ca_len, or DER). `insecure` non-zero turns
 *  certificate verification OFF (curl -k; the Pico example's default). INSECURE.
 *  `timeout_ms`: give up after this long without progress (1 s polls; 0: 30 s).
 *  The raw response bytes go to lmw_host_app_data(user_id, ...) as they arrive.
 *  Returns ERR_ARG (bad argument), ERR_ALREADY (user_id busy) or ERR_MEM with nothing
 *  started; 0: started, and LMW_EV_APP_DONE(user_id, status) reports the end, always. */
LMW_API int lmw_app_https_get(uint32_t user_id, const char *host, const char *connect_ip, uint16_t port,
                              const char *path, const uint8_t *ca_pem, size_t ca_len, int insecure,
                              uint32_t timeout_ms);
/** After LMW_EV_APP_DONE: the status (0: the server sent its response and closed; ERR_VAL
 *  with no remote: the name did not resolve; ERR_RST: refused; ERR_CLSD with *tls_err: the
 *  TLS handshake failed, *verify_flags say why; ERR_TIMEOUT; ERR_ABRT: aborted), the
 *  Mbed TLS code, the X.509 flags and the address used ("a.b.c.d:port", "" if none), then
 *  frees the request. ERR_INPROGRESS before the end; ERR_ARG for an unknown id. */
LMW_API int lmw_app_result(uint32_t user_id, int *tls_err, uint32_t *verify_flags, char *remote, size_t remote_cap);
/** Abandons a running request (RST); LMW_EV_APP_DONE(ERR_ABRT) follows. */
LMW_API int lmw_app_abort(uint32_t user_id);

#ifdef __cplusplus
}
#endif

#endif
