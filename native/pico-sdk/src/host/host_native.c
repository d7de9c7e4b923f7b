/* Native: the host seam over the OS and a stream socket to the runner.
 *
 * Environment (set by the runner, `lwip-pico run`):
 *   LWIP_PICO_LINK      tcp:HOST:PORT or unix:PATH - the Ethernet link, framed as QEMU's
 *                       -netdev stream (u32 big-endian length, then the frame); unset: no link
 *   LWIP_PICO_CONTROL   a file descriptor for runner messages, one line each:
 *                         program -> runner  "gpio PIN VALUE", "wait UNTIL_US FRAMES_SENT WAKE_ON_INPUT",
 *                                            "keylog NSS_KEY_LOG_LINE" (when LWIP_PICO_KEYLOG=1)
 *                         runner -> program  "wake NOW_US FRAMES_SENT"   (deterministic mode)
 *   LWIP_PICO_SSID, LWIP_PICO_PASSWORD, LWIP_PICO_SEED, LWIP_PICO_MAC, LWIP_PICO_KEYLOG - pico_host_config()
 *
 * Deterministic mode (LWIP_PICO_SEED set): the clock is virtual. A wait tells the runner
 * how many frames were sent and until when the program sleeps; the runner answers with the
 * new time and how many frames it sent, and the program reads exactly those before going
 * on - so frames and time interleave the same way on every run, native or WASM.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "pico_host.h"

#define MAX_FRAME 1600
#define QUEUE_LEN 256

static int link_fd = -2; /* -2 not yet opened, -1 none */
static int control_fd = -1;
static FILE *control_in;
static uint8_t rx_buf[4 + MAX_FRAME + 4096];
static size_t rx_len;
static struct {
  uint16_t len;
  uint8_t data[MAX_FRAME];
} queue[QUEUE_LEN];
static unsigned q_head, q_tail;
static uint64_t frames_sent, frames_received;
static int stdin_eof;
static double start_s, virtual_us;

static double mono_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void fail(const char *what) {
  fprintf(stderr, "lwip-pico: %s: %s\n", what, strerror(errno));
  fflush(stdout);
  _exit(125);
}

__attribute__((constructor)) static void host_start(void) {
  start_s = mono_s();
  setvbuf(stdout, NULL, _IOLBF, 0); /* the program's lines reach the runner as printed */
  signal(SIGPIPE, SIG_IGN);
  const char *c = getenv("LWIP_PICO_CONTROL");
  if (c && *c) {
    control_fd = atoi(c);
    control_in = fdopen(dup(control_fd), "r");
  }
  /* Deterministic mode: main starts when the runner's scheduler says (a wait at time 0). */
  if (pico_deterministic()) pico_host_wait(0, 0);
}

static void open_link(void) {
  const char *spec = getenv("LWIP_PICO_LINK");
  link_fd = -1;
  if (!spec || !*spec) return;
  int fd = -1;
  if (strncmp(spec, "unix:", 5) == 0) {
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", spec + 5);
    fd = socket(AF_UNIX, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) fail(spec);
  } else if (strncmp(spec, "tcp:", 4) == 0) {
    char host[256];
    snprintf(host, sizeof host, "%s", spec + 4);
    char *colon = strrchr(host, ':');
    if (!colon) {
      fprintf(stderr, "lwip-pico: LWIP_PICO_LINK=%s: want tcp:HOST:PORT\n", spec);
      _exit(125);
    }
    *colon = 0;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *ai;
    if (getaddrinfo(host, colon + 1, &hints, &ai) != 0) fail(spec);
    fd = socket(ai->ai_family, SOCK_STREAM, 0);
    if (fd < 0 || connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) fail(spec);
    freeaddrinfo(ai);
    int one = 1; /* each frame goes at once, as on a wire */
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    fprintf(stderr, "lwip-pico: LWIP_PICO_LINK=%s: want tcp:HOST:PORT or unix:PATH\n", spec);
    _exit(125);
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  link_fd = fd;
}

static int link_socket(void) {
  if (link_fd == -2) open_link();
  return link_fd;
}

/* Moves whole frames from the socket into the queue; `want` > 0 blocks until that many
 * frames have been received in all (deterministic mode). */
static void link_read(uint64_t want) {
  int fd = link_socket();
  if (fd < 0) return;
  for (;;) {
    ssize_t n = read(fd, rx_buf + rx_len, sizeof rx_buf - rx_len);
    if (n == 0) {
      fprintf(stderr, "lwip-pico: the runner closed the link\n");
      fflush(stdout);
      _exit(125);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno != EAGAIN && errno != EWOULDBLOCK) fail("link");
      if (frames_received >= want) return;
      struct pollfd p = {.fd = fd, .events = POLLIN};
      poll(&p, 1, -1);
      continue;
    }
    rx_len += (size_t)n;
    size_t off = 0;
    while (rx_len - off >= 4) {
      uint32_t len = (uint32_t)rx_buf[off] << 24 | (uint32_t)rx_buf[off + 1] << 16 | (uint32_t)rx_buf[off + 2] << 8 | rx_buf[off + 3];
      if (len > MAX_FRAME) {
        fprintf(stderr, "lwip-pico: link frame of %u bytes (max %d)\n", len, MAX_FRAME);
        _exit(125);
      }
      if (rx_len - off < 4 + len) break;
      frames_received++;
      if (q_tail - q_head < QUEUE_LEN) { /* a full receive queue drops, as a NIC does */
        queue[q_tail % QUEUE_LEN].len = (uint16_t)len;
        memcpy(queue[q_tail % QUEUE_LEN].data, rx_buf + off + 4, len);
        q_tail++;
      }
      off += 4 + len;
    }
    memmove(rx_buf, rx_buf + off, rx_len - off);
    rx_len -= off;
  }
}

double pico_host_time_us(void) {
  if (pico_deterministic()) return virtual_us;
  return (mono_s() - start_s) * 1e6;
}

double pico_host_wall_time_s(void) {
  if (pico_deterministic()) return 1767225600.0; /* 2026-01-01T00:00:00Z, fixed */
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void pico_host_random(uint8_t *buf, size_t len) {
  size_t done = 0;
  while (done < len) {
    ssize_t n = getrandom(buf + done, len - done, 0);
    if (n < 0 && errno != EINTR) fail("getrandom");
    if (n > 0) done += (size_t)n;
  }
}

static void write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd pw = {.fd = fd, .events = POLLOUT};
        poll(&pw, 1, -1);
        continue;
      }
      fail("link write");
    }
    p += w;
    n -= (size_t)w;
  }
}

void pico_host_link_send(const uint8_t *frame, size_t len) {
  int fd = link_socket();
  if (fd < 0) return;
  uint8_t hdr[4] = {(uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len};
  write_all(fd, hdr, 4); /* the frame follows at once: TCP_NODELAY (open_link) */
  write_all(fd, frame, len);
  frames_sent++;
}

int pico_host_link_recv(uint8_t *buf, size_t cap) {
  if (!pico_deterministic()) link_read(0);
  if (q_head == q_tail) return 0;
  unsigned i = q_head++ % QUEUE_LEN;
  if (queue[i].len > cap) return -1;
  memcpy(buf, queue[i].data, queue[i].len);
  return queue[i].len;
}

static void control(const char *line) {
  if (control_fd < 0) return;
  write_all(control_fd, (const uint8_t *)line, strlen(line));
}

void pico_host_wait(double until_us, int wake_on_input) {
  if (pico_deterministic()) {
    if (!control_in) {
      fprintf(stderr, "lwip-pico: deterministic mode needs LWIP_PICO_CONTROL\n");
      _exit(125);
    }
    char line[96];
    snprintf(line, sizeof line, "wait %.0f %llu %d\n", until_us, (unsigned long long)frames_sent, wake_on_input);
    control(line);
    double now;
    unsigned long long sent;
    if (!fgets(line, sizeof line, control_in) || sscanf(line, "wake %lf %llu", &now, &sent) != 2) {
      fprintf(stderr, "lwip-pico: the runner closed the control channel\n");
      _exit(125);
    }
    if (now > virtual_us) virtual_us = now;
    link_read(sent);
    return;
  }
  if (wake_on_input && q_head != q_tail) return;
  struct pollfd p[2];
  int n = 0;
  if (wake_on_input && link_socket() >= 0) p[n++] = (struct pollfd){.fd = link_fd, .events = POLLIN};
  if (wake_on_input && !stdin_eof) p[n++] = (struct pollfd){.fd = 0, .events = POLLIN};
  double left_ms = (until_us - pico_host_time_us()) / 1000.0;
  if (left_ms <= 0) return;
  int timeout = left_ms > 1e9 ? -1 : (int)(left_ms + 0.999);
  poll(p, (nfds_t)n, timeout);
}

int pico_host_getchar(void) {
  if (stdin_eof) return -1;
  struct pollfd p = {.fd = 0, .events = POLLIN};
  if (poll(&p, 1, 0) <= 0) return -1;
  unsigned char c;
  ssize_t n = read(0, &c, 1);
  if (n <= 0) {
    stdin_eof = 1;
    return -1;
  }
  return c;
}

int pico_host_config(int key, char *buf, size_t cap) {
  const char *name = key == PICO_HOST_CFG_SSID ? "LWIP_PICO_SSID"
                     : key == PICO_HOST_CFG_PASSWORD ? "LWIP_PICO_PASSWORD"
                     : key == PICO_HOST_CFG_SEED ? "LWIP_PICO_SEED"
                     : key == PICO_HOST_CFG_MAC ? "LWIP_PICO_MAC"
                     : key == PICO_HOST_CFG_KEYLOG ? "LWIP_PICO_KEYLOG" : NULL;
  const char *v = name ? getenv(name) : NULL;
  if (key == PICO_HOST_CFG_RANDOM_SOURCE) v = "getrandom(2) (the Linux kernel's CSPRNG)"; /* pico_host_random */
  if (!v || cap == 0) return -1;
  int n = snprintf(buf, cap, "%s", v);
  return n < (int)cap ? n : (int)cap - 1;
}

void pico_host_gpio(int pin, int value) {
  char line[48];
  snprintf(line, sizeof line, "gpio %d %d\n", pin, value);
  control(line);
}

void pico_host_keylog(const char *line) {
  char out[320];
  snprintf(out, sizeof out, "keylog %s\n", line);
  control(out);
}

void pico_host_abort(void) {
  fflush(stdout);
  abort();
}
