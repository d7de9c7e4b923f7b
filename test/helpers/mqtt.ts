// An MQTT broker for the Pico MQTT client's tests: aedes (a maintained broker from npm)
// behind node:tls, on loopback, with a record of what it saw: the clients that connected,
// their subscriptions and what they published. And the certificates the program compiles
// in, made once and kept beside the build cache (a new CA per run would rebuild it).
import { once } from "node:events";
import { copyFileSync, existsSync, mkdirSync, readFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { createServer, type TLSSocket } from "node:tls";
import { Aedes, type Client } from "aedes";
import { cacheRoot } from "../../ts-bindings/src/pico/build.js";
import { Pki } from "./pki.js";

/** The name examples/pico/mqtt_client connects to when MQTT_SERVER is not set. */
export const MQTT_SERVER = "mqtt.pico.test";
export const MQTT_PORT = 8883;
export const CLIENT_CERT_CN = "picow-mqtt-client";

export interface MqttPki {
  ca: string;
  brokerCert: string;
  brokerKey: string;
  clientCert: string;
  clientKey: string;
}

/** A CA, the broker's certificate for MQTT_SERVER and a client certificate (CN
 *  CLIENT_CERT_CN, for clientAuth), as PEM files; made with openssl once and kept for ten
 *  years: the broker checks the client certificate's dates, and the program compiles them in. */
export function mqttPki(): MqttPki {
  const dir = join(cacheRoot(), "test-mqtt-pki");
  const files: MqttPki = {
    ca: join(dir, "ca.pem"),
    brokerCert: join(dir, "broker.pem"),
    brokerKey: join(dir, "broker.key"),
    clientCert: join(dir, "client.pem"),
    clientKey: join(dir, "client.key"),
  };
  if (existsSync(files.clientKey)) return files;
  const pki = new Pki();
  try {
    const notAfter = new Date(Date.now() + 10 * 365 * 24 * 3600e3);
    const ca = pki.issue({ cn: "Pico MQTT test CA", ca: true, notAfter });
    const broker = pki.issue({ cn: MQTT_SERVER, san: [MQTT_SERVER], issuer: ca, notAfter });
    const client = pki.issue({ cn: CLIENT_CERT_CN, issuer: ca, notAfter });
    mkdirSync(dir, { recursive: true });
    copyFileSync(broker.certFile, files.brokerCert);
    copyFileSync(broker.keyFile, files.brokerKey);
    copyFileSync(client.certFile, files.clientCert);
    copyFileSync(ca.certFile, files.ca);
    copyFileSync(client.keyFile, files.clientKey); // last: its presence marks the set complete
  } finally {
    pki.dispose();
  }
  return files;
}

export interface Publication {
  clientId: string;
  topic: string;
  payload: string;
  retain: boolean;
  qos: number;
}

export interface BrokerEvents {
  /** Client ids, as each CONNECT arrived. */
  clients: string[];
  /** "clientId topic" for each subscription. */
  subscriptions: string[];
  /** What clients published (the broker's own messages, $SYS and wills, are apart). */
  published: Publication[];
  /** Messages published with no client behind them: wills, and the test's own
   *  (Broker.publish); $SYS is left out. */
  brokerPublished: Publication[];
  /** Client ids, as each disconnected. */
  disconnected: string[];
  /** The subject CN of each client certificate the broker accepted. */
  peerCertificates: string[];
  /** TLS failures on the broker's side (handshakes that did not complete). */
  tlsErrors: string[];
}

export interface Broker extends AsyncDisposable {
  port: number;
  aedes: Aedes;
  seen: BrokerEvents;
  /** Resolves when `test` holds for the record, checked after every event; rejects when
   *  `signal` aborts first (the safety net of a test whose program has ended). */
  until(test: (seen: BrokerEvents) => boolean, signal?: AbortSignal): Promise<void>;
  /** Publishes from the broker side, as another client would (QoS 1). */
  publish(topic: string, payload: string): Promise<void>;
}

export interface BrokerOptions {
  cert: string;
  key: string;
  /** Require a client certificate signed by this CA (PEM). */
  clientCa?: string;
  /** Default: any free port. */
  port?: number;
}

/** aedes on 127.0.0.1 behind TLS, recording what it sees. */
export async function startBroker(options: BrokerOptions): Promise<Broker> {
  const aedes = await Aedes.createBroker();
  const seen: BrokerEvents = {
    clients: [],
    subscriptions: [],
    published: [],
    brokerPublished: [],
    disconnected: [],
    peerCertificates: [],
    tlsErrors: [],
  };
  const waiters = new Set<() => void>();
  const changed = () => {
    for (const w of [...waiters]) w();
  };
  aedes.on("client", (c: Client) => {
    seen.clients.push(c.id);
    changed();
  });
  aedes.on("subscribe", (subs, c: Client) => {
    for (const s of subs) seen.subscriptions.push(`${c.id} ${s.topic}`);
    changed();
  });
  aedes.on("publish", (packet, c: Client | null) => {
    if (packet.topic.startsWith("$SYS/")) return;
    const p = { clientId: c?.id ?? "", topic: packet.topic, payload: String(packet.payload), retain: packet.retain, qos: packet.qos };
    (c ? seen.published : seen.brokerPublished).push(p);
    changed();
  });
  aedes.on("clientDisconnect", (c: Client) => {
    seen.disconnected.push(c.id);
    changed();
  });

  const server = createServer(
    {
      cert: readText(options.cert),
      key: readText(options.key),
      ...(options.clientCa ? { ca: readText(options.clientCa), requestCert: true, rejectUnauthorized: true } : {}),
    },
    (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      if (peer?.subject?.CN) seen.peerCertificates.push(String(peer.subject.CN));
      aedes.handle(socket);
      changed();
    },
  );
  server.on("tlsClientError", (err) => {
    seen.tlsErrors.push((err as NodeJS.ErrnoException).code ?? err.message);
    changed();
  });
  server.listen(options.port ?? 0, "127.0.0.1");
  await once(server, "listening");

  return {
    port: (server.address() as AddressInfo).port,
    aedes,
    seen,
    until(test, signal) {
      return new Promise<void>((resolve, reject) => {
        const stop = () => {
          waiters.delete(check);
          reject(new Error(`the broker did not see it: ${JSON.stringify(seen)}`, { cause: signal?.reason }));
        };
        const check = () => {
          if (!test(seen)) return;
          waiters.delete(check);
          signal?.removeEventListener("abort", stop);
          resolve();
        };
        if (signal?.aborted) return stop();
        signal?.addEventListener("abort", stop, { once: true });
        waiters.add(check);
        check();
      });
    },
    publish(topic, payload) {
      return new Promise<void>((resolve, reject) => {
        aedes.publish({ cmd: "publish", topic, payload: Buffer.from(payload), qos: 1, retain: false, dup: false }, (err) =>
          err ? reject(err) : resolve(),
        );
      });
    },
    async [Symbol.asyncDispose]() {
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function readText(file: string): string {
  return readFileSync(file, "utf8");
}
