/* pico/async_context.h: workers run at a time or when flagged pending. On this host there
 * is one core and no interrupts: work runs inside async_context_poll() and, for a
 * threadsafe_background context, inside every wait of the program (sleep_ms, ...). */
#ifndef _PICO_ASYNC_CONTEXT_H
#define _PICO_ASYNC_CONTEXT_H

#include "pico.h"
#include "pico/time.h"

#ifdef __cplusplus
extern "C" {
#endif

enum {
  ASYNC_CONTEXT_POLL = 1,
  ASYNC_CONTEXT_THREADSAFE_BACKGROUND = 2,
  ASYNC_CONTEXT_FREERTOS = 3,
};

typedef struct async_context async_context_t;

typedef struct async_work_on_timeout {
  struct async_work_on_timeout *next;
  void (*do_work)(async_context_t *context, struct async_work_on_timeout *timeout);
  absolute_time_t next_time;
  void *user_data;
} async_at_time_worker_t;

typedef struct async_when_pending_worker {
  struct async_when_pending_worker *next;
  void (*do_work)(async_context_t *context, struct async_when_pending_worker *worker);
  bool work_pending;
  void *user_data;
} async_when_pending_worker_t;

#define ASYNC_CONTEXT_FLAG_CALLBACK_FROM_NON_IRQ 0x1
#define ASYNC_CONTEXT_FLAG_CALLBACK_FROM_IRQ 0x2
#define ASYNC_CONTEXT_FLAG_POLLED 0x4

typedef struct async_context_type {
  uint16_t type;
} async_context_type_t;

struct async_context {
  const async_context_type_t *type;
  async_when_pending_worker_t *when_pending_list;
  async_at_time_worker_t *at_time_list;
  absolute_time_t next_time;
  uint16_t flags;
  uint8_t core_num;
  /* host SDK: the driver's own work (frames, lwIP timers) and when it is next due */
  void (*host_service)(async_context_t *context);
  absolute_time_t (*host_next_time)(async_context_t *context);
  int lock_depth;
  int in_work;
};

typedef struct async_context_poll {
  async_context_t core;
} async_context_poll_t;

typedef struct async_context_threadsafe_background {
  async_context_t core;
} async_context_threadsafe_background_t;

typedef struct async_context_threadsafe_background_config {
  int low_priority_irq_handler_priority;
  bool custom_alarm_pool;
} async_context_threadsafe_background_config_t;

bool async_context_poll_init_with_defaults(async_context_poll_t *self);
bool async_context_threadsafe_background_init_with_defaults(async_context_threadsafe_background_t *self);
async_context_threadsafe_background_config_t async_context_threadsafe_background_default_config(void);
bool async_context_threadsafe_background_init(async_context_threadsafe_background_t *self,
                                              async_context_threadsafe_background_config_t *config);

void async_context_acquire_lock_blocking(async_context_t *context);
void async_context_release_lock(async_context_t *context);
void async_context_lock_check(async_context_t *context);
uint32_t async_context_execute_sync(async_context_t *context, uint32_t (*func)(void *param), void *param);
bool async_context_add_at_time_worker(async_context_t *context, async_at_time_worker_t *worker);
bool async_context_add_at_time_worker_at(async_context_t *context, async_at_time_worker_t *worker, absolute_time_t at);
bool async_context_add_at_time_worker_in_ms(async_context_t *context, async_at_time_worker_t *worker, uint32_t ms);
bool async_context_remove_at_time_worker(async_context_t *context, async_at_time_worker_t *worker);
bool async_context_add_when_pending_worker(async_context_t *context, async_when_pending_worker_t *worker);
bool async_context_remove_when_pending_worker(async_context_t *context, async_when_pending_worker_t *worker);
void async_context_set_work_pending(async_context_t *context, async_when_pending_worker_t *worker);
void async_context_poll(async_context_t *context);
void async_context_wait_until(async_context_t *context, absolute_time_t until);
void async_context_wait_for_work_until(async_context_t *context, absolute_time_t until);
void async_context_wait_for_work_ms(async_context_t *context, uint32_t ms);
static inline uint async_context_core_num(const async_context_t *context) { return context->core_num; }
void async_context_deinit(async_context_t *context);

#ifdef __cplusplus
}
#endif

#endif
