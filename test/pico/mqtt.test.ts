// examples/pico/mqtt_client, built natively and to WASM, against a real MQTT broker (aedes)
// behind TLS on loopback. The checks look at what the broker saw: the client's id, its
// subscriptions, what it published and with which payloads, the certificate it presented,
// and how it left; and at the LED the program switched on a command sent from the broker.
import { spawn } from "node:child_process";
import { once } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { createTestCa } from "../../ts-bindings/src/node/testca.js";
import { describe, expect, it, vi } from "vitest";

import { createNetwork } from "../../ts-bindings/src/network.js";
import { runPicoProgram } from "../../ts-bindings/src/pico/run.js";
import { PASSWORD, PLATFORMS, picoBuild, SSID } from "../helpers/pico.js";
import { CLIENT_CERT_CN, MQTT_PORT, MQTT_SERVER, mqttPki, startBroker, type Broker, type BrokerEvents } from "../helpers/mqtt.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

const PREFIX = "pico";

/** Runs the program against `broker` (its name mapped to the broker's port); `script` drives
 *  the broker side while the program runs. */
async function runAgainst(artifact: string, broker: Broker, script: (signal: AbortSignal) => Promise<void> = async () => {}) {
  await using network = await createNetwork({ device: false, connectTo: [`${MQTT_SERVER}:${MQTT_PORT}:127.0.0.1:${broker.port}`] });
  const signal = AbortSignal.timeout(60_000);
  let out = "";
  const leds: boolean[] = [];
  const done = runPicoProgram(network, artifact, {
    ssid: SSID,
    password: PASSWORD,
    stdout: (t) => (out += t),
    onLed: (on) => leds.push(on),
    signal,
  });
  // The script's waits end with the program: a program that exits early fails them at once.
  const ended = new AbortController();
  const stop = AbortSignal.any([signal, ended.signal]);
  void done.finally(() => ended.abort(new Error("the program ended"))).catch(() => {});
  const scripted = script(stop);
  const [{ exitCode }] = await Promise.all([done, scripted.catch((e: unknown) => { throw new Error(`${String(e)}\nprogram output:\n${out}`); })]);
  return { exitCode, out, leds };
}

const clientId = (seen: BrokerEvents) => seen.clients[0] ?? "?";
const publishedBy = (seen: BrokerEvents, topic: string) =>
  seen.published.filter((p) => p.clientId === clientId(seen) && p.topic === topic).map((p) => p.payload);

/** The broker side of a session: wait for the subscriptions, switch the LED on, wait for
 *  the program's answer, say bye. */
async function ledSession(broker: Broker, signal: AbortSignal) {
  await broker.until((s) => s.subscriptions.includes(`${clientId(s)} ${PREFIX}/led`) && s.subscriptions.includes(`${clientId(s)} ${PREFIX}/exit`), signal);
  await broker.publish(`${PREFIX}/led`, "on");
  await broker.until((s) => publishedBy(s, `${PREFIX}/led/state`).includes("on"), signal);
  await broker.publish(`${PREFIX}/exit`, "bye");
}

describe.each(PLATFORMS)("Pico MQTT client, %s", (platform) => {
  it("publishes telemetry, subscribes, switches the LED on a command and answers, leaves on bye", async () => {
    const pki = mqttPki();
    const [artifact] = await picoBuild("mqtt_client", platform, ["mqtt_client"], { MQTT_CA_FILE: pki.ca });
    await using broker = await startBroker({ cert: pki.brokerCert, key: pki.brokerKey });
    const r = await runAgainst(artifact!, broker, (signal) => ledSession(broker, signal));
    const seen = broker.seen;

    // One client, with the id the program printed.
    expect(seen.clients).toHaveLength(1);
    expect(clientId(seen)).toMatch(/^pico-[0-9A-F]{16}$/);
    expect(r.out).toContain(`client id ${clientId(seen)}`);
    // Its subscriptions, and what it published, in order per topic.
    expect(seen.subscriptions).toEqual([`${clientId(seen)} ${PREFIX}/led`, `${clientId(seen)} ${PREFIX}/exit`]);
    expect(publishedBy(seen, `${PREFIX}/online`)).toEqual(["1", "0"]);
    const temperatures = publishedBy(seen, `${PREFIX}/temperature`);
    expect(temperatures.length).toBeGreaterThanOrEqual(1);
    for (const t of temperatures) {
      expect(t).toMatch(/^\d+\.\d\d$/);
      expect(Number(t)).toBeGreaterThan(15); // the host's sensor reads about 25 degC
      expect(Number(t)).toBeLessThan(35);
    }
    const state = seen.published.find((p) => p.topic === `${PREFIX}/led/state`)!;
    expect(state).toMatchObject({ clientId: clientId(seen), payload: "on", retain: true, qos: 1 });
    // The LED went on, once, on the command.
    expect(r.leds).toEqual([true]);
    expect(r.out).toContain(`message on ${PREFIX}/led: on`);
    // It left with MQTT's DISCONNECT: the broker published no will for it.
    expect(seen.disconnected).toEqual([clientId(seen)]);
    expect(seen.brokerPublished.filter((p) => p.topic === `${PREFIX}/online`)).toEqual([]);
    expect(r.out).toContain("the broker closed the connection after our DISCONNECT");
    expect(r.out).toContain("test passed");
    expect(r.exitCode).toBe(0);
  });

  it("presents its client certificate to a broker that requires one", async () => {
    const pki = mqttPki();
    const [artifact] = await picoBuild("mqtt_client", platform, ["mqtt_client"], {
      MQTT_CA_FILE: pki.ca,
      MQTT_CLIENT_CERT_FILE: pki.clientCert,
      MQTT_CLIENT_KEY_FILE: pki.clientKey,
    });
    await using broker = await startBroker({ cert: pki.brokerCert, key: pki.brokerKey, clientCa: pki.ca });
    const r = await runAgainst(artifact!, broker, (signal) => ledSession(broker, signal));
    expect(r.out).toContain("with a client certificate");
    // The broker verified it (rejectUnauthorized) and saw its subject.
    expect(broker.seen.peerCertificates).toEqual([CLIENT_CERT_CN]);
    expect(broker.seen.tlsErrors).toEqual([]);
    expect(publishedBy(broker.seen, `${PREFIX}/led/state`)).toEqual(["on"]);
    expect(r.leds).toEqual([true]);
    expect(r.exitCode).toBe(0);
  });

  it("refuses a broker whose certificate another CA signed, says why, exits 1", async () => {
    const pki = mqttPki();
    const [artifact] = await picoBuild("mqtt_client", platform, ["mqtt_client"], { MQTT_CA_FILE: pki.ca });
    // A certificate for the right name, from a CA the program does not trust.
    const other = createTestCa({ dnsNames: [MQTT_SERVER] });
    const dir = mkdtempSync(join(tmpdir(), "lmw-mqtt-"));
    try {
      writeFileSync(join(dir, "cert.pem"), other.leaf.certPem);
      writeFileSync(join(dir, "key.pem"), other.leaf.keyPem);
      await using broker = await startBroker({ cert: join(dir, "cert.pem"), key: join(dir, "key.pem") });
      const r = await runAgainst(artifact!, broker);
      expect(r.out).toContain("TLS: the broker's certificate failed verification");
      expect(r.out).toContain("not correctly signed by the trusted CA");
      expect(r.out).toContain("test failed");
      expect(r.exitCode).toBe(1);
      // The broker never got an MQTT session from it.
      expect(broker.seen.clients).toEqual([]);
      expect(r.leds).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("Pico MQTT client, as a user runs it", () => {
  it("npm run pico -- mqtt_client -D MQTT_CA_FILE=<relative path> --connect-to ... (scripts/pico.ts)", async () => {
    const pki = mqttPki();
    // The configuration the WASM tests above build: the script finds it up to date.
    await picoBuild("mqtt_client", "wasm", ["mqtt_client"], { MQTT_CA_FILE: pki.ca });
    await using broker = await startBroker({ cert: pki.brokerCert, key: pki.brokerKey });
    const args = ["--import", "tsx", "scripts/pico.ts", "mqtt_client", "-D", `MQTT_CA_FILE=${relative(process.cwd(), pki.ca)}`,
      "--connect-to", `${MQTT_SERVER}:${MQTT_PORT}:127.0.0.1:${broker.port}`];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (d) => (out += String(d)));
    child.stderr.on("data", (d) => (out += String(d)));
    const exited = once(child, "exit");
    const ended = new AbortController();
    void exited.then(() => ended.abort(new Error("the program ended")));
    const signal = AbortSignal.any([ended.signal, AbortSignal.timeout(120_000)]);
    try {
      await ledSession(broker, signal);
    } catch (e) {
      child.kill();
      throw new Error(`${String(e)}\noutput:\n${out}`);
    }
    const [code] = await exited;
    expect(out).toContain("lwip-pico: LED on");
    expect(out).toContain("test passed");
    expect(publishedBy(broker.seen, `${PREFIX}/led/state`)).toEqual(["on"]);
    expect(code).toBe(0);
  });
});
