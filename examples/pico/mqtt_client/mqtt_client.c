/* MQTT for the IoT, as a Pico W program: lwIP's mqtt app over altcp_tls (Mbed TLS).
 *
 * It resolves MQTT_SERVER, connects with TLS (the broker's certificate verified against the
 * CA compiled in, for that name; with MQTT_CLIENT_CERT, a client certificate of its own),
 * and then, under MQTT_TOPIC_PREFIX ("pico" by default):
 *   - publishes <prefix>/online "1" (retained; its will says "0") and <prefix>/temperature,
 *     the chip's sensor in degrees Celsius, now and every TELEMETRY_INTERVAL_S seconds;
 *   - subscribes to <prefix>/led: "on" or "off" switches the Wi-Fi chip's LED and answers
 *     on <prefix>/led/state with the new state (retained);
 *   - subscribes to <prefix>/exit: "bye" publishes <prefix>/online "0", disconnects and
 *     ends the program with 0.
 * lwIP's callbacks only record what happened; main's cyw43_arch_poll() loop acts on it. */
#include <stdio.h>
#include <string.h>

#include "example_wifi.h"
#include "hardware/adc.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "pico/unique_id.h"
#include "lwip/altcp_tls.h"
#include "lwip/apps/mqtt.h"
#include "lwip/apps/mqtt_priv.h" /* mqtt_client_t's conn: its TLS context, the DISCONNECT below */
#include "lwip/dns.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

#include "MQTT_CA_PEM.h"
#ifdef MQTT_CLIENT_CERT
#include "MQTT_CLIENT_CERT_PEM.h"
#include "MQTT_CLIENT_KEY_PEM.h"
#endif

#define TOPIC(name) MQTT_TOPIC_PREFIX "/" name
#define KEEP_ALIVE_S 60
#define TELEMETRY_INTERVAL_S 10
#define QOS 1
/* How long the broker may take to close the connection after our DISCONNECT. */
#define DISCONNECT_TIMEOUT_MS 5000

typedef struct MQTT_CLIENT_T_ {
  mqtt_client_t *client;
  struct mqtt_connect_client_info_t info;
  char client_id[24];
  uint32_t verify_flags; /* what the certificate check found, for the report on failure */
  bool verified;         /* the broker's certificate reached the check */
  /* Set by lwIP's callbacks, acted on by main's loop. */
  bool connected;
  bool started;       /* subscribed and announced online */
  bool led;           /* the LED's state */
  bool led_changed;   /* to publish on <prefix>/led/state */
  bool bye;           /* "bye" arrived on <prefix>/exit */
  bool leaving;       /* <prefix>/online "0" published */
  bool offline_acked; /* the broker acknowledged <prefix>/online "0" */
  bool disconnecting; /* DISCONNECT sent, waiting for the broker to close */
  bool done;
  int error;
  /* The message being received (lwIP hands over the topic, then the payload in parts). */
  char topic[64];
  char payload[32];
  size_t payload_len;
  absolute_time_t next_telemetry;
  absolute_time_t disconnect_deadline;
} MQTT_CLIENT_T;

static const char *status_name(mqtt_connection_status_t status) {
  switch (status) {
    case MQTT_CONNECT_ACCEPTED: return "accepted";
    case MQTT_CONNECT_REFUSED_PROTOCOL_VERSION: return "refused: protocol version";
    case MQTT_CONNECT_REFUSED_IDENTIFIER: return "refused: client identifier";
    case MQTT_CONNECT_REFUSED_SERVER: return "refused: server unavailable";
    case MQTT_CONNECT_REFUSED_USERNAME_PASS: return "refused: user name or password";
    case MQTT_CONNECT_REFUSED_NOT_AUTHORIZED_: return "refused: not authorized";
    case MQTT_CONNECT_DISCONNECTED: return "connection closed";
    case MQTT_CONNECT_TIMEOUT: return "timed out";
  }
  return "unknown";
}

/* The chip's temperature sensor (ADC input 4): 0.706 V at 27 degC, -1.721 mV per degree. */
static float read_temperature(void) {
  const float volts_per_count = 3.3f / (1 << 12);
  float volts = adc_read() * volts_per_count;
  return 27.0f - (volts - 0.706f) / 0.001721f;
}

/* Mbed TLS calls this for each certificate of the broker's chain, with what it found. */
static int verify_cb(void *arg, mbedtls_x509_crt *crt, int depth, uint32_t *flags) {
  MQTT_CLIENT_T *state = arg;
  (void)crt;
  (void)depth;
  state->verified = true;
  state->verify_flags |= *flags;
  return 0;
}

static void report_connect_failure(MQTT_CLIENT_T *state, mqtt_connection_status_t status) {
  printf("could not connect to the broker: %s (%d)\n", status_name(status), status);
  if (state->verify_flags) {
    char info[256];
    mbedtls_x509_crt_verify_info(info, sizeof info, "  ", state->verify_flags);
    printf("TLS: the broker's certificate failed verification (flags 0x%08lx):\n%s",
           (unsigned long)state->verify_flags, info);
  } else if (status == MQTT_CONNECT_DISCONNECTED) {
    printf(state->verified ? "TLS: the broker closed the connection after checking its certificate"
                             " (did it refuse ours?)\n"
                           : "TLS: the connection closed before the broker's certificate arrived\n");
  }
}

static void connection_cb(mqtt_client_t *client, void *arg, mqtt_connection_status_t status) {
  MQTT_CLIENT_T *state = arg;
  (void)client;
  if (status == MQTT_CONNECT_ACCEPTED) {
    printf("connected to the broker as %s\n", state->client_id);
    state->connected = true;
    return;
  }
  if (state->disconnecting) {
    printf("the broker closed the connection after our DISCONNECT\n");
  } else if (!state->connected) {
    report_connect_failure(state, status);
    state->error = status;
  } else {
    printf("lost the broker: %s (%d)\n", status_name(status), status);
    state->error = status;
  }
  state->connected = false;
  state->done = true;
}

static void subscribe_cb(void *arg, err_t err) {
  const char *topic = arg;
  if (err == ERR_OK) {
    printf("subscribed to %s\n", topic);
  } else {
    printf("subscribing to %s failed: %d\n", topic, err);
  }
}

static void publish_cb(void *arg, err_t err) {
  const char *topic = arg;
  if (err != ERR_OK) printf("publishing on %s failed: %d\n", topic, err);
}

static void offline_published_cb(void *arg, err_t err) {
  MQTT_CLIENT_T *state = arg;
  if (err != ERR_OK) printf("publishing on " TOPIC("online") " failed: %d\n", err);
  state->offline_acked = true; /* acknowledged or not, it is time to leave */
}

static void incoming_publish_cb(void *arg, const char *topic, u32_t tot_len) {
  MQTT_CLIENT_T *state = arg;
  snprintf(state->topic, sizeof state->topic, "%s", topic);
  state->payload_len = 0;
  (void)tot_len;
}

static void incoming_data_cb(void *arg, const u8_t *data, u16_t len, u8_t flags) {
  MQTT_CLIENT_T *state = arg;
  size_t room = sizeof state->payload - 1 - state->payload_len;
  size_t n = len < room ? len : room;
  memcpy(state->payload + state->payload_len, data, n);
  state->payload_len += n;
  if (!(flags & MQTT_DATA_FLAG_LAST)) return;
  state->payload[state->payload_len] = 0;
  printf("message on %s: %s\n", state->topic, state->payload);
  if (strcmp(state->topic, TOPIC("led")) == 0) {
    if (strcmp(state->payload, "on") == 0 || strcmp(state->payload, "off") == 0) {
      state->led = strcmp(state->payload, "on") == 0;
      cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, state->led);
      printf("LED %s\n", state->led ? "on" : "off");
      state->led_changed = true;
    } else {
      printf("ignored: %s takes \"on\" or \"off\"\n", TOPIC("led"));
    }
  } else if (strcmp(state->topic, TOPIC("exit")) == 0) {
    if (strcmp(state->payload, "bye") == 0) {
      state->bye = true;
    } else {
      printf("ignored: %s takes \"bye\"\n", TOPIC("exit"));
    }
  }
}

static void publish(MQTT_CLIENT_T *state, const char *topic, const char *text, bool retain,
                    mqtt_request_cb_t cb, void *arg) {
  err_t err = mqtt_publish(state->client, topic, text, (u16_t)strlen(text), QOS, retain, cb, arg);
  if (err == ERR_OK) {
    printf("published %s: %s\n", topic, text);
  } else {
    printf("could not publish on %s: %d\n", topic, err);
  }
}

static void start_client(const ip_addr_t *addr, MQTT_CLIENT_T *state) {
  printf("connecting to %s (%s) port %d\n", MQTT_SERVER, ipaddr_ntoa(addr), MQTT_SERVER_PORT);
  err_t err = mqtt_client_connect(state->client, addr, MQTT_SERVER_PORT, connection_cb, state, &state->info);
  if (err != ERR_OK) {
    printf("could not start the connection: %d\n", err);
    state->error = err;
    state->done = true;
    return;
  }
  /* The TLS connection exists now and its handshake starts once TCP is up: give it the
     broker's name (SNI and the name its certificate must carry) and watch the check. */
  mbedtls_ssl_context *ssl = altcp_tls_context(state->client->conn);
  mbedtls_ssl_set_hostname(ssl, MQTT_SERVER);
  mbedtls_ssl_set_verify(ssl, verify_cb, state);
}

static void dns_found(const char *name, const ip_addr_t *addr, void *arg) {
  MQTT_CLIENT_T *state = arg;
  if (addr) {
    start_client(addr, state);
  } else {
    printf("could not resolve %s\n", name);
    state->error = PICO_ERROR_NOT_FOUND;
    state->done = true;
  }
}

/* What the callbacks asked for, done from main's loop (lwIP is idle here). */
static void act(MQTT_CLIENT_T *state) {
  if (state->connected && !state->started) {
    state->started = true;
    mqtt_subscribe(state->client, TOPIC("led"), QOS, subscribe_cb, TOPIC("led"));
    mqtt_subscribe(state->client, TOPIC("exit"), QOS, subscribe_cb, TOPIC("exit"));
    publish(state, TOPIC("online"), "1", true, publish_cb, TOPIC("online"));
  }
  if (state->connected && !state->leaving && absolute_time_diff_us(state->next_telemetry, get_absolute_time()) >= 0) {
    char text[16];
    snprintf(text, sizeof text, "%.2f", read_temperature());
    publish(state, TOPIC("temperature"), text, false, publish_cb, TOPIC("temperature"));
    state->next_telemetry = make_timeout_time_ms(TELEMETRY_INTERVAL_S * 1000);
  }
  if (state->connected && state->led_changed) {
    state->led_changed = false;
    publish(state, TOPIC("led/state"), state->led ? "on" : "off", true, publish_cb, TOPIC("led/state"));
  }
  if (state->bye && !state->leaving && state->connected) {
    /* Say so ourselves (retained), then leave; offline_published_cb says when it is safe. */
    state->leaving = true;
    publish(state, TOPIC("online"), "0", true, offline_published_cb, state);
  }
  if (state->offline_acked && !state->disconnecting) {
    /* lwIP 2.2.1's mqtt_disconnect() closes the connection without MQTT's DISCONNECT
       packet, and a broker publishes the will of a client that leaves that way. Send it
       here (nothing else is queued: the last publish was acknowledged); the broker then
       closes the connection, which connection_cb sees. */
    static const u8_t disconnect_packet[2] = {0xe0, 0x00};
    state->disconnecting = true;
    state->disconnect_deadline = make_timeout_time_ms(DISCONNECT_TIMEOUT_MS);
    altcp_write(state->client->conn, disconnect_packet, sizeof disconnect_packet, TCP_WRITE_FLAG_COPY);
    altcp_output(state->client->conn);
    printf("sent DISCONNECT\n");
  }
  if (state->disconnecting && !state->done && absolute_time_diff_us(state->disconnect_deadline, get_absolute_time()) >= 0) {
    printf("the broker kept the connection open: closing it\n");
    mqtt_disconnect(state->client);
    state->done = true;
  }
}

int main(void) {
  if (example_join_wifi()) return 1;
  adc_init();
  adc_set_temp_sensor_enabled(true);
  adc_select_input(4);

  static MQTT_CLIENT_T state;
  char board_id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
  pico_get_unique_board_id_string(board_id, sizeof board_id);
  snprintf(state.client_id, sizeof state.client_id, "pico-%s", board_id);
  printf("client id %s, topics under %s/\n", state.client_id, MQTT_TOPIC_PREFIX);

#ifdef MQTT_CLIENT_CERT
  struct altcp_tls_config *tls_config = altcp_tls_create_config_client_2wayauth(
      (const u8_t *)MQTT_CA_PEM, sizeof MQTT_CA_PEM, (const u8_t *)MQTT_CLIENT_KEY_PEM, sizeof MQTT_CLIENT_KEY_PEM,
      NULL, 0, (const u8_t *)MQTT_CLIENT_CERT_PEM, sizeof MQTT_CLIENT_CERT_PEM);
  printf("with a client certificate\n");
#else
  struct altcp_tls_config *tls_config = altcp_tls_create_config_client((const u8_t *)MQTT_CA_PEM, sizeof MQTT_CA_PEM);
#endif
  if (!tls_config) {
    printf("the CA, certificate or key does not parse\n");
    return 1;
  }
  state.info.client_id = state.client_id;
  state.info.keep_alive = KEEP_ALIVE_S;
  state.info.will_topic = TOPIC("online");
  state.info.will_msg = "0";
  state.info.will_qos = QOS;
  state.info.will_retain = 1;
  state.info.tls_config = tls_config;
  state.next_telemetry = get_absolute_time();

  state.client = mqtt_client_new();
  if (!state.client) {
    printf("out of memory\n");
    return 1;
  }
  mqtt_set_inpub_callback(state.client, incoming_publish_cb, incoming_data_cb, &state);

  printf("resolving %s\n", MQTT_SERVER);
  cyw43_arch_lwip_begin();
  ip_addr_t addr;
  err_t err = dns_gethostbyname(MQTT_SERVER, &addr, dns_found, &state);
  if (err == ERR_OK) {
    start_client(&addr, &state);
  } else if (err != ERR_INPROGRESS) {
    printf("could not start resolving %s: %d\n", MQTT_SERVER, err);
    state.error = err;
    state.done = true;
  }
  cyw43_arch_lwip_end();

  while (!state.done) {
    cyw43_arch_poll();
    cyw43_arch_lwip_begin();
    act(&state);
    cyw43_arch_lwip_end();
    absolute_time_t wake = make_timeout_time_ms(1000);
    if (state.connected) wake = absolute_time_min(wake, state.next_telemetry);
    cyw43_arch_wait_for_work_until(wake);
  }

  cyw43_arch_lwip_begin();
  mqtt_disconnect(state.client); /* no-op once closed */
  mqtt_client_free(state.client);
  altcp_tls_free_config(tls_config);
  cyw43_arch_lwip_end();
  bool passed = state.error == 0 && state.disconnecting;
  printf(passed ? "test passed\n" : "test failed\n");
  cyw43_arch_deinit();
  return passed ? 0 : 1;
}
