/* lmw_api.h, DNS: lwIP's DNS client, one lookup in flight per user id. */
#include <stdlib.h>

#include "lwip/dns.h"

#include "host.h"
#include "lmw_internal.h"

struct dns_result {
  struct dns_result *next;
  uint32_t user_id;
  int done;
  int found;
  ip_addr_t addr;
};
static struct dns_result *dns_results;

static struct dns_result *dns_find(uint32_t user_id) {
  for (struct dns_result *r = dns_results; r != NULL; r = r->next) {
    if (r->user_id == user_id) return r;
  }
  return NULL;
}

static void dns_found_cb(const char *name, const ip_addr_t *addr, void *arg) {
  (void)name;
  struct dns_result *r = dns_find((uint32_t)(uintptr_t)arg);
  if (r == NULL) return;
  r->done = 1;
  r->found = addr != NULL;
  if (addr) r->addr = *addr;
  lmw_host_event(r->user_id, LMW_EV_DNS, addr ? ERR_OK : ERR_VAL);
}

int lmw_dns_lookup(uint32_t user_id, const char *name) {
  if (dns_find(user_id) != NULL) return ERR_INPROGRESS;
  struct dns_result *r = (struct dns_result *)calloc(1, sizeof *r);
  if (r == NULL) return ERR_MEM;
  r->user_id = user_id;
  r->next = dns_results;
  dns_results = r;
  err_t err = dns_gethostbyname(name, &r->addr, dns_found_cb, (void *)(uintptr_t)user_id);
  if (err == ERR_OK) {
    r->done = 1;
    r->found = 1;
  } else if (err != ERR_INPROGRESS) {
    r->done = 1;
  }
  return err;
}

int lmw_dns_result(uint32_t user_id, char *buf, size_t cap) {
  struct dns_result **pp = &dns_results;
  while (*pp != NULL && (*pp)->user_id != user_id) pp = &(*pp)->next;
  struct dns_result *r = *pp;
  if (r == NULL || !r->done) return ERR_INPROGRESS;
  int status = r->found ? ERR_OK : ERR_VAL;
  if (r->found && ipaddr_ntoa_r(&r->addr, buf, (int)cap) == NULL) status = ERR_BUF;
  *pp = r->next;
  free(r);
  return status;
}
