/* lmw_api.h, lmw_conn_tls_failure: what a failed TLS handshake leaves for the host to
 * explain it (lwip-https -v, error messages):
 *  - when verification failed, the peer's certificate chain as received, each
 *    certificate with the X.509 verification flags Mbed TLS gave it, and the trust
 *    anchor the chain reached, if any.
 *    Mbed TLS 3.6 drops the chain with the failed handshake and offers no getter for an
 *    unfinished one, so a verification callback (mbedtls_ssl_set_verify, public API)
 *    records it while verification runs;
 *  - the fatal alert the peer sent (lmw_altcp_tls_received_alert: the public API has no
 *    getter, the adapted TLS layer reads it).
 * Kept per connection handle in a small side table (only TLS client connections are
 * watched), freed with the handle. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/err.h"

#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "lmw_internal.h"
#include "lmw_text.h"
#include "lmw_tls_hooks.h"

/* Deeper chains are cut: nothing real sends more. */
#define FAILURE_MAX_CERTS 8

struct failure {
  struct failure *next;
  const void *owner;
  int alert; /* the fatal alert received, or -1 */
  /* Text of the chain, made at the depth-0 callback (the certificates only live that long). */
  char *chain;
  /* The verified path so far, deepest first (callbacks run from the top down to depth 0). */
  const mbedtls_x509_crt *path[FAILURE_MAX_CERTS];
  uint32_t path_flags[FAILURE_MAX_CERTS];
  int path_len;
};

static struct failure *failures;

static struct failure *find(const void *owner) {
  for (struct failure *f = failures; f != NULL; f = f->next) {
    if (f->owner == owner) return f;
  }
  return NULL;
}

static void cert_with_flags(struct lmw_text *t, const char *from, uint32_t flags, int have_flags,
                            const mbedtls_x509_crt *crt) {
  char hex[16];
  lmw_text_add(t, "cert_from", from);
  if (have_flags) {
    snprintf(hex, sizeof hex, "%lx", (unsigned long)flags);
    lmw_text_add(t, "cert_verify", hex);
  }
  lmw_text_cert(t, crt);
}

/* Writes the chain as received (leaf first), then the path's certificates the peer did
   not send (the trust anchor from our CA set). */
static char *chain_text(struct failure *f, const mbedtls_x509_crt *leaf) {
  struct lmw_text t = {NULL, 0, 0};
  for (int pass = 0; pass < 2; pass++) {
    t.len = 0;
    int n = 0;
    for (const mbedtls_x509_crt *crt = leaf; crt != NULL && crt->raw.len > 0 && n < FAILURE_MAX_CERTS;
         crt = crt->next, n++) {
      int i = 0;
      while (i < f->path_len && f->path[i] != crt) i++;
      cert_with_flags(&t, "peer", i < f->path_len ? f->path_flags[i] : 0, i < f->path_len, crt);
    }
    for (int i = 0; i < f->path_len; i++) {
      int received = 0;
      for (const mbedtls_x509_crt *crt = leaf; crt != NULL; crt = crt->next) received |= crt == f->path[i];
      if (!received) cert_with_flags(&t, "ca", f->path_flags[i], 1, f->path[i]);
    }
    if (pass == 0) {
      t.cap = t.len + 1;
      t.buf = (char *)malloc(t.cap);
      if (t.buf == NULL) return NULL;
      t.buf[0] = '\0';
    }
  }
  return t.buf;
}

/* Mbed TLS's verification callback: called for each certificate of the path it built,
   from the top down to the leaf (depth 0), with that certificate's flags. Changes nothing. */
static int record_cert(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  struct failure *f = (struct failure *)ctx;
  if (f->path_len < FAILURE_MAX_CERTS) {
    f->path[f->path_len] = crt;
    f->path_flags[f->path_len] = *flags;
    f->path_len++;
  }
  if (depth == 0) {
    /* Kept only when verification failed: a passing chain is in lmw_conn_info once open. */
    uint32_t any = 0;
    for (int i = 0; i < f->path_len; i++) any |= f->path_flags[i];
    free(f->chain);
    f->chain = any != 0 ? chain_text(f, crt) : NULL;
    f->path_len = 0;
  }
  return 0;
}

void lmw_tls_failure_watch(const void *owner, mbedtls_ssl_context *ssl) {
  struct failure *f = find(owner);
  if (f == NULL) {
    f = (struct failure *)calloc(1, sizeof *f);
    if (f == NULL) return; /* no details then; the handshake itself is unaffected */
    f->owner = owner;
    f->next = failures;
    failures = f;
  }
  f->alert = -1;
  f->path_len = 0;
  mbedtls_ssl_set_verify(ssl, record_cert, f);
}

void lmw_tls_failure_note(const void *owner, mbedtls_ssl_context *ssl) {
  struct failure *f = find(owner);
  if (f != NULL && f->alert < 0) f->alert = lmw_altcp_tls_received_alert(ssl);
}

void lmw_tls_failure_forget(const void *owner) {
  for (struct failure **pp = &failures; *pp != NULL; pp = &(*pp)->next) {
    if ((*pp)->owner == owner) {
      struct failure *f = *pp;
      *pp = f->next;
      free(f->chain);
      free(f);
      return;
    }
  }
}

int lmw_conn_tls_failure(lmw_conn *c, char *buf, size_t cap, size_t *len) {
  struct lmw_text t = {buf, cap, 0};
  if (cap > 0) buf[0] = '\0';
  const struct failure *f = find(c);
  if (f != NULL && f->alert >= 0) {
    char n[8];
    snprintf(n, sizeof n, "%d", f->alert);
    lmw_text_add(&t, "alert", n);
  }
  if (f != NULL && f->chain != NULL) {
    size_t cl = strlen(f->chain);
    if (t.len + cl < cap) memcpy(buf + t.len, f->chain, cl + 1);
    t.len += cl;
  }
  *len = t.len;
  return t.len < cap ? ERR_OK : ERR_BUF;
}
