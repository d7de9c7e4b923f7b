/* lmw_api.h, connections: TCP (or TLS over it) connection and listener handles over
 * lwIP's altcp, their callbacks turned into host events, and the paced read that opens
 * the TCP window only as the host reads (TS: ts-bindings/src/device/socket.ts and
 * listener.ts). The TLS side of a connection is in lmw_conn_tls.c. */
#include <stdlib.h>
#include <string.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/pbuf.h"
#include "lwip/tcp.h"

#include "host.h"
#include "lmw_internal.h"
#include "lmw_tls_hooks.h"

/* lwIP polls a connection every this many TCP slow-timer ticks (TCP_SLOW_INTERVAL, 500 ms):
 * a close that found no memory for its FIN is retried once a second. */
#define CLOSE_RETRY_POLL_TICKS 2
/* altcp_write and altcp_recved take u16_t lengths: larger amounts go in parts. */
#define ALTCP_LEN_MAX 0xFFFF

static lmw_conn *all_conns;

/* Bytes queued for lmw_conn_read. */
static size_t conn_readable(const lmw_conn *c) {
  return c->rx ? (size_t)(c->rx->tot_len - c->rx_off) : 0;
}

size_t lmw_conn_count(void) {
  size_t n = 0;
  for (lmw_conn *c = all_conns; c != NULL; c = c->next_all) n++;
  return n;
}

static lmw_conn *conn_alloc(uint32_t user_id, lmw_tls_config *tls) {
  lmw_conn *c = (lmw_conn *)calloc(1, sizeof *c);
  if (c == NULL) return NULL;
  c->user_id = user_id;
  c->tls = tls;
  c->next_all = all_conns;
  all_conns = c;
  return c;
}

static void conn_unlink(lmw_conn *c) {
  for (lmw_conn **pp = &all_conns; *pp != NULL; pp = &(*pp)->next_all) {
    if (*pp == c) {
      *pp = c->next_all;
      return;
    }
  }
}

lmw_conn *lmw_conn_by_ssl(const mbedtls_ssl_context *ssl) {
  for (lmw_conn *c = all_conns; c != NULL; c = c->next_all) {
    if (c->pcb != NULL && c->tls != NULL && altcp_tls_context(c->pcb) == ssl) return c;
  }
  return NULL;
}

static err_t cb_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  (void)err;
  if (c == NULL) {
    if (p) pbuf_free(p);
    return ERR_OK;
  }
  if (p == NULL) {
    if (!c->eof) {
      c->eof = 1;
      lmw_host_event(c->user_id, LMW_EV_EOF, 0);
    }
    return ERR_OK;
  }
  if (c->rx == NULL) {
    c->rx = p;
  } else {
    pbuf_cat(c->rx, p);
  }
  lmw_host_event(c->user_id, LMW_EV_READABLE, (int32_t)conn_readable(c));
  return ERR_OK;
}

static err_t cb_sent(void *arg, struct altcp_pcb *pcb, u16_t len) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c) lmw_host_event(c->user_id, LMW_EV_WRITABLE, len);
  return ERR_OK;
}

static void cb_err(void *arg, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  if (c == NULL) return;
  c->pcb = NULL; /* lwIP frees it */
  if (c->aborting) return;
  if (c->err == ERR_OK) c->err = err;
  if (!c->failed) {
    c->failed = 1;
    lmw_host_event(c->user_id, LMW_EV_ERROR, err);
  }
}

static err_t cb_connected(void *arg, struct altcp_pcb *pcb, err_t err) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c) lmw_host_event(c->user_id, LMW_EV_CONNECTED, err);
  return ERR_OK;
}

static void conn_try_close(lmw_conn *c);

static err_t cb_poll(void *arg, struct altcp_pcb *pcb) {
  lmw_conn *c = (lmw_conn *)arg;
  (void)pcb;
  if (c && c->closing && c->pcb) conn_try_close(c);
  return ERR_OK;
}

static void conn_attach(lmw_conn *c, struct altcp_pcb *pcb) {
  c->pcb = pcb;
  /* No Nagle (TCP_NODELAY, as browsers, curl and Node do): a TLS Finished followed by a
     small request would otherwise wait for the peer's delayed ACK (up to 250 ms). Our
     writes are already whole records or large chunks. */
  if (!c->listener) altcp_nagle_disable(pcb);
  altcp_arg(pcb, c);
  altcp_recv(pcb, cb_recv);
  altcp_sent(pcb, cb_sent);
  altcp_err(pcb, cb_err);
  altcp_poll(pcb, cb_poll, CLOSE_RETRY_POLL_TICKS);
  if (c->tls) lmw_tls_config_attach(c->tls, (mbedtls_ssl_context *)altcp_tls_context(pcb));
}

static void conn_detach(lmw_conn *c) {
  if (c->pcb == NULL) return;
  if (c->listener) {
    /* A listen pcb has only arg and accept (tcp_poll & co. assert on it). */
    altcp_arg(c->pcb, NULL);
    altcp_accept(c->pcb, NULL);
    return;
  }
  altcp_arg(c->pcb, NULL);
  altcp_recv(c->pcb, NULL);
  altcp_sent(c->pcb, NULL);
  altcp_err(c->pcb, NULL);
  altcp_poll(c->pcb, NULL, 0);
}

int lmw_conn_new(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out) {
  *out = NULL;
  if (tls && tls->is_server) return ERR_ARG; /* server configs are for lmw_conn_listen */
  lmw_conn *c = conn_alloc(user_id, tls);
  if (c == NULL) return ERR_MEM;
  *out = c;
  return ERR_OK;
}

/* The pcb is created when the role (connect or listen) is known. */
static err_t conn_make_pcb(lmw_conn *c, lmw_tls_config *tls) {
  struct altcp_pcb *pcb = tls ? altcp_tls_new(tls->alt, IPADDR_TYPE_V4) : altcp_tcp_new_ip_type(IPADDR_TYPE_V4);
  if (pcb == NULL) return ERR_MEM;
  c->tls = tls;
  conn_attach(c, pcb);
  return ERR_OK;
}

int lmw_conn_connect(lmw_conn *c, const char *ip, uint16_t port) {
  ip_addr_t addr;
  if (c->pcb != NULL || c->failed) return ERR_ISCONN;
  if (!ipaddr_aton(ip, &addr)) return ERR_ARG;
  err_t err = conn_make_pcb(c, c->tls);
  if (err != ERR_OK) return err;
  if (c->tls && lmw_conn_tls_prepare(c) != 0) return ERR_ARG;
  return altcp_connect(c->pcb, &addr, port, cb_connected);
}

static err_t cb_accept(void *arg, struct altcp_pcb *newpcb, err_t err) {
  lmw_conn *l = (lmw_conn *)arg;
  if (l == NULL || err != ERR_OK || newpcb == NULL) return ERR_VAL;
  lmw_conn *c = conn_alloc(0, l->tls);
  if (c == NULL) return ERR_MEM;
  if (l->tls) lmw_altcp_tls_adopt(newpcb);
  conn_attach(c, newpcb);
  if (l->pending_tail) {
    l->pending_tail->next_pending = c;
  } else {
    l->pending_head = c;
  }
  l->pending_tail = c;
  l->pending_count++;
  lmw_host_event(l->user_id, LMW_EV_ACCEPT, (int32_t)l->pending_count);
  return ERR_OK;
}

int lmw_conn_listen(lmw_conn *c, const char *ip, uint16_t port, int backlog) {
  ip_addr_t addr;
  if (c->pcb != NULL) return ERR_ISCONN;
  if (!ipaddr_aton(ip, &addr)) return ERR_ARG;
  err_t err = conn_make_pcb(c, c->tls);
  if (err != ERR_OK) return err;
  err = altcp_bind(c->pcb, &addr, port);
  if (err != ERR_OK) return err;
  struct altcp_pcb *lpcb = altcp_listen_with_backlog_and_err(c->pcb, (u8_t)(backlog > 0 && backlog < 255 ? backlog : 255), &err);
  if (lpcb == NULL) return err;
  c->pcb = lpcb;
  c->listener = 1;
  altcp_arg(lpcb, c);
  altcp_accept(lpcb, cb_accept);
  return ERR_OK;
}

int lmw_conn_new_server(uint32_t user_id, lmw_tls_config *tls, lmw_conn **out) {
  *out = NULL;
  if (tls && !tls->is_server) return ERR_ARG;
  lmw_conn *c = conn_alloc(user_id, tls);
  if (c == NULL) return ERR_MEM;
  *out = c;
  return ERR_OK;
}

int lmw_conn_accept(lmw_conn *l, uint32_t user_id, lmw_conn **out) {
  *out = NULL;
  lmw_conn *c = l->pending_head;
  if (c == NULL) return ERR_WOULDBLOCK;
  l->pending_head = c->next_pending;
  if (l->pending_head == NULL) l->pending_tail = NULL;
  l->pending_count--;
  c->next_pending = NULL;
  c->user_id = user_id;
  /* Anything that happened before it was taken is told again under its new id. */
  if (c->rx) lmw_host_event(user_id, LMW_EV_READABLE, (int32_t)conn_readable(c));
  if (c->eof) lmw_host_event(user_id, LMW_EV_EOF, 0);
  if (c->failed) lmw_host_event(user_id, LMW_EV_ERROR, c->err);
  *out = c;
  return ERR_OK;
}

/* Space now free for lmw_conn_write. */
static size_t conn_sndbuf(lmw_conn *c) {
  if (c->pcb == NULL || c->listener) return 0;
  if (c->tls && !lmw_altcp_tls_handshake_done(c->pcb)) return 0;
  return altcp_sndbuf(c->pcb);
}

int lmw_conn_write(lmw_conn *c, const uint8_t *buf, size_t len, size_t *written) {
  *written = 0;
  if (c->pcb == NULL) return c->err != ERR_OK ? c->err : ERR_CONN;
  if (c->closing || c->listener) return ERR_CLSD;
  size_t done = 0;
  while (done < len) {
    size_t room = conn_sndbuf(c);
    if (room == 0 || (altcp_sndqueuelen(c->pcb) >= TCP_SND_QUEUELEN - 1)) break;
    size_t n = len - done;
    if (n > room) n = room;
    if (n > ALTCP_LEN_MAX) n = ALTCP_LEN_MAX;
    err_t err = altcp_write(c->pcb, buf + done, (u16_t)n, TCP_WRITE_FLAG_COPY);
    if (err == ERR_MEM) break; /* would block */
    if (err != ERR_OK) return err;
    done += n;
  }
  *written = done;
  if (done > 0) altcp_output(c->pcb);
  return ERR_OK;
}


int lmw_conn_read(lmw_conn *c, uint8_t *buf, size_t cap, size_t *n) {
  size_t got = 0;
  while (c->rx != NULL && got < cap) {
    struct pbuf *p = c->rx;
    size_t avail = (size_t)(p->len - c->rx_off);
    size_t take = cap - got < avail ? cap - got : avail;
    memcpy(buf + got, (uint8_t *)p->payload + c->rx_off, take);
    got += take;
    c->rx_off = (u16_t)(c->rx_off + take);
    if (c->rx_off == p->len) {
      c->rx = p->next;
      if (c->rx) pbuf_ref(c->rx);
      pbuf_free(p);
      c->rx_off = 0;
    }
  }
  *n = got;
  /* Only now is the data acknowledged: the TCP window opens as the reader pulls. */
  if (got > 0 && c->pcb != NULL) {
    size_t left = got;
    while (left > 0) {
      u16_t part = (u16_t)(left > ALTCP_LEN_MAX ? ALTCP_LEN_MAX : left);
      altcp_recved(c->pcb, part);
      left -= part;
    }
  }
  return ERR_OK;
}

static void conn_try_close(lmw_conn *c) {
  if (c->pcb == NULL) return;
  struct altcp_pcb *pcb = c->pcb;
  conn_detach(c);
  if (altcp_close(pcb) == ERR_OK) {
    c->pcb = NULL;
    lmw_host_event(c->user_id, LMW_EV_CLOSED, 0);
  } else {
    /* Out of memory for the FIN: keep the callbacks and retry from poll. */
    conn_attach(c, pcb);
  }
}

int lmw_conn_shutdown_write(lmw_conn *c) {
  if (c->pcb == NULL) return ERR_CONN;
  if (c->tls || c->listener) return ERR_ARG; /* TLS over altcp has no half-close */
  err_t err = altcp_shutdown(c->pcb, 0, 1);
  if (err == ERR_OK) altcp_output(c->pcb);
  return err;
}

int lmw_conn_close(lmw_conn *c) {
  if (c->pcb == NULL) {
    lmw_host_event(c->user_id, LMW_EV_CLOSED, 0);
    return ERR_OK;
  }
  c->closing = 1;
  conn_try_close(c);
  return ERR_OK;
}

void lmw_conn_abort(lmw_conn *c) {
  if (c->pcb == NULL) return;
  c->aborting = 1;
  struct altcp_pcb *pcb = c->pcb;
  conn_detach(c);
  c->pcb = NULL;
  if (c->listener) {
    /* A listening pcb cannot be aborted (tcp_abort would treat the smaller listen pcb
       as a full one); closing it frees it at once and never fails. */
    altcp_close(pcb);
  } else {
    altcp_abort(pcb);
  }
}

void lmw_conn_free(lmw_conn *c) {
  if (c == NULL) return;
  lmw_conn_abort(c);
  while (c->pending_head) {
    lmw_conn *p = c->pending_head;
    c->pending_head = p->next_pending;
    lmw_conn_free(p);
  }
  if (c->rx) pbuf_free(c->rx);
  free(c->hostname);
  lmw_tls_failure_forget(c);
  conn_unlink(c);
  free(c);
}
