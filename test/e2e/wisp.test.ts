// The browser's path, run in Node: device stack -> router -> WispDialer -> our shim ->
// real TCP and UDP servers on loopback.
import { createSocket } from "node:dgram";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/wisp/dialer.js";
import { Pki, type Cert } from "../helpers/pki.js";

let pki: Pki;
let root: Cert;
let server: Server;
let port: number;
let shim: Shim;
let net: Network;

beforeAll(async () => {
  pki = new Pki();
  root = pki.issue({ cn: "Wisp Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
  server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (_req, res) => res.end("through the shim"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  shim = await createShim({ port: 0, allowLoopback: true, logger: () => {} });
  net = await createNetwork({ dialer: new WispDialer({ url: `${shim.url.replace(/^http/, "ws")}` }), tls: { ca: root.certPem } });
});

afterAll(async () => {
  await net?.close();
  await shim?.close();
  server?.close();
  pki?.dispose();
});

it("fetches over TLS 1.3 with the Wisp dialer", async () => {
  const r = await net.fetch(`https://localhost:${port}/`);
  expect(await r.text()).toBe("through the shim");
});

it("relays UDP through Wisp UDP streams", async () => {
  const echo = createSocket("udp4");
  echo.on("message", (msg, rinfo) => echo.send(Buffer.concat([Buffer.from("echo:"), msg]), rinfo.port, rinfo.address));
  await new Promise<void>((r) => echo.bind(0, "127.0.0.1", r));
  const udp = await net.openUdp();
  try {
    const reader = udp.readable.getReader();
    await udp.send(new TextEncoder().encode("ping"), "127.0.0.1", echo.address().port);
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value!.data)).toBe("echo:ping");
    reader.releaseLock();
  } finally {
    udp.close();
    echo.close();
  }
});
