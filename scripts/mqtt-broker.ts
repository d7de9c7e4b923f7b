// npx tsx scripts/mqtt-broker.ts [--port N] [--require-client-cert]
// A local MQTT broker for examples/pico/mqtt_client: aedes (the tests' broker) behind TLS on
// 127.0.0.1, its certificate for mqtt.pico.test from a CA made once under build/pico. It
// prints the command that builds and runs the program against it, then each client,
// subscription and message; a line typed as "TOPIC PAYLOAD" is published (e.g. "pico/led on").
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { MQTT_PORT, MQTT_SERVER, mqttPki, startBroker } from "../test/helpers/mqtt.js";

const { values } = parseArgs({ options: { port: { type: "string" }, "require-client-cert": { type: "boolean" } } });
const pki = mqttPki();
const port = Number(values.port ?? MQTT_PORT);
const broker = await startBroker({ cert: pki.brokerCert, key: pki.brokerKey, port, clientCa: values["require-client-cert"] ? pki.ca : undefined });
const clientCert = values["require-client-cert"] ? ` -D MQTT_CLIENT_CERT_FILE=${pki.clientCert} -D MQTT_CLIENT_KEY_FILE=${pki.clientKey}` : "";
process.stdout.write(
  `MQTT broker on 127.0.0.1:${broker.port} (TLS, certificate for ${MQTT_SERVER})${clientCert ? ", client certificate required" : ""}. Run the program with:\n` +
    `  npm run pico -- mqtt_client -D MQTT_CA_FILE=${pki.ca}${clientCert} --connect-to ${MQTT_SERVER}:${MQTT_PORT}:127.0.0.1:${broker.port}\n` +
    `Type "TOPIC PAYLOAD" to publish (pico/led on, pico/led off, pico/exit bye); Ctrl-C ends.\n`,
);
broker.aedes.on("client", (c) => console.log(`client ${c.id} connected`));
broker.aedes.on("subscribe", (subs, c) => console.log(`${c.id} subscribed to ${subs.map((s) => s.topic).join(", ")}`));
broker.aedes.on("publish", (p, c) => {
  if (!p.topic.startsWith("$SYS/")) console.log(`${c ? c.id : "(broker)"} published ${p.topic}: ${String(p.payload)}`);
});
broker.aedes.on("clientDisconnect", (c) => console.log(`client ${c.id} disconnected`));
const lines = createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const m = /^\s*(\S+)\s+(.*)$/.exec(line);
  if (!m) return console.log('want "TOPIC PAYLOAD"');
  broker.publish(m[1]!, m[2]!).catch((e: unknown) => console.log(String(e)));
});
lines.on("close", () => void broker[Symbol.asyncDispose]().then(() => process.exit(0)));
process.on("SIGINT", () => void broker[Symbol.asyncDispose]().then(() => process.exit(0)));
