/* async_context for a host: one list of timed workers, one of pending workers, and the
 * driver's own work (host_service). Poll contexts run work in async_context_poll();
 * threadsafe_background contexts also run it inside the program's waits, as the device's
 * low-priority interrupt would (pico_set_background, pico_stdlib/time.c). */
#include "pico/async_context.h"
#include "pico_host.h"

static const async_context_type_t poll_type = {ASYNC_CONTEXT_POLL};
static const async_context_type_t background_type = {ASYNC_CONTEXT_THREADSAFE_BACKGROUND};
static async_context_t *background_context;

static void init(async_context_t *c, const async_context_type_t *type) {
  *c = (async_context_t){.type = type, .next_time = at_the_end_of_time,
                         .flags = type == &poll_type ? ASYNC_CONTEXT_FLAG_POLLED | ASYNC_CONTEXT_FLAG_CALLBACK_FROM_NON_IRQ
                                                     : ASYNC_CONTEXT_FLAG_CALLBACK_FROM_IRQ};
}

static absolute_time_t next_work_time(async_context_t *c) {
  absolute_time_t t = at_the_end_of_time;
  for (async_when_pending_worker_t *w = c->when_pending_list; w; w = w->next)
    if (w->work_pending) return 0;
  for (async_at_time_worker_t *w = c->at_time_list; w; w = w->next)
    if (w->next_time < t) t = w->next_time;
  if (c->host_next_time) {
    absolute_time_t d = c->host_next_time(c);
    if (d < t) t = d;
  }
  return t;
}

static void do_work(async_context_t *c) {
  if (c->in_work) return;
  c->in_work = 1;
  if (c->host_service) c->host_service(c);
  for (async_when_pending_worker_t *w = c->when_pending_list; w; w = w->next) {
    if (w->work_pending) {
      w->work_pending = false;
      w->do_work(c, w);
    }
  }
  /* Due timed workers are removed before they run (they may add themselves again). */
  for (;;) {
    absolute_time_t now = get_absolute_time();
    async_at_time_worker_t **pp = &c->at_time_list, *due = NULL;
    for (; *pp; pp = &(*pp)->next) {
      if ((*pp)->next_time <= now) {
        due = *pp;
        *pp = due->next;
        due->next = NULL;
        break;
      }
    }
    if (!due) break;
    due->do_work(c, due);
  }
  c->next_time = next_work_time(c);
  c->in_work = 0;
}

static void background_service(void) {
  if (background_context && background_context->lock_depth == 0) do_work(background_context);
}

static double background_next_us(void) {
  return background_context ? (double)next_work_time(background_context) : 1e300;
}

bool async_context_poll_init_with_defaults(async_context_poll_t *self) {
  init(&self->core, &poll_type);
  return true;
}

async_context_threadsafe_background_config_t async_context_threadsafe_background_default_config(void) {
  return (async_context_threadsafe_background_config_t){0};
}

bool async_context_threadsafe_background_init(async_context_threadsafe_background_t *self,
                                              async_context_threadsafe_background_config_t *config) {
  (void)config;
  if (background_context) return false; /* one background context, as one low-priority IRQ */
  init(&self->core, &background_type);
  background_context = &self->core;
  pico_set_background(background_service, background_next_us);
  return true;
}

bool async_context_threadsafe_background_init_with_defaults(async_context_threadsafe_background_t *self) {
  async_context_threadsafe_background_config_t config = async_context_threadsafe_background_default_config();
  return async_context_threadsafe_background_init(self, &config);
}

void async_context_deinit(async_context_t *c) {
  if (c == background_context) {
    background_context = NULL;
    pico_set_background(NULL, NULL);
  }
  c->at_time_list = NULL;
  c->when_pending_list = NULL;
}

void async_context_acquire_lock_blocking(async_context_t *c) { c->lock_depth++; }
void async_context_release_lock(async_context_t *c) {
  if (c->lock_depth <= 0) panic("async_context_release_lock without the lock");
  c->lock_depth--;
}
void async_context_lock_check(async_context_t *c) { (void)c; }

uint32_t async_context_execute_sync(async_context_t *c, uint32_t (*func)(void *param), void *param) {
  c->lock_depth++;
  uint32_t r = func(param);
  c->lock_depth--;
  return r;
}

bool async_context_add_at_time_worker(async_context_t *c, async_at_time_worker_t *worker) {
  for (async_at_time_worker_t *w = c->at_time_list; w; w = w->next)
    if (w == worker) return false;
  worker->next = c->at_time_list;
  c->at_time_list = worker;
  if (worker->next_time < c->next_time) c->next_time = worker->next_time;
  return true;
}

bool async_context_add_at_time_worker_at(async_context_t *c, async_at_time_worker_t *worker, absolute_time_t at) {
  worker->next_time = at;
  return async_context_add_at_time_worker(c, worker);
}

bool async_context_add_at_time_worker_in_ms(async_context_t *c, async_at_time_worker_t *worker, uint32_t ms) {
  return async_context_add_at_time_worker_at(c, worker, make_timeout_time_ms(ms));
}

bool async_context_remove_at_time_worker(async_context_t *c, async_at_time_worker_t *worker) {
  for (async_at_time_worker_t **pp = &c->at_time_list; *pp; pp = &(*pp)->next) {
    if (*pp == worker) {
      *pp = worker->next;
      worker->next = NULL;
      return true;
    }
  }
  return false;
}

bool async_context_add_when_pending_worker(async_context_t *c, async_when_pending_worker_t *worker) {
  for (async_when_pending_worker_t *w = c->when_pending_list; w; w = w->next)
    if (w == worker) return false;
  worker->next = c->when_pending_list;
  c->when_pending_list = worker;
  return true;
}

bool async_context_remove_when_pending_worker(async_context_t *c, async_when_pending_worker_t *worker) {
  for (async_when_pending_worker_t **pp = &c->when_pending_list; *pp; pp = &(*pp)->next) {
    if (*pp == worker) {
      *pp = worker->next;
      worker->next = NULL;
      return true;
    }
  }
  return false;
}

void async_context_set_work_pending(async_context_t *c, async_when_pending_worker_t *worker) {
  worker->work_pending = true;
  c->next_time = 0;
}

void async_context_poll(async_context_t *c) {
  do_work(c);
}

void async_context_wait_until(async_context_t *c, absolute_time_t until) {
  (void)c;
  sleep_until(until);
}

void async_context_wait_for_work_until(async_context_t *c, absolute_time_t until) {
  absolute_time_t next = next_work_time(c);
  if (next <= get_absolute_time()) return;
  pico_idle_until((double)(next < until ? next : until), 1);
}

void async_context_wait_for_work_ms(async_context_t *c, uint32_t ms) {
  async_context_wait_for_work_until(c, make_timeout_time_ms(ms));
}
