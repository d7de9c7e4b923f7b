// The browser's path, run in Node: device stack -> router -> WispDialer -> our shim ->
// real TCP and UDP servers on loopback.
import { createSocket } from "node:dgram";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { localOrigin, type LocalOrigin } from "../helpers/origin.js";

let origin: LocalOrigin;
let port: number;
let shim: Shim;
let net: Network;

beforeAll(async () => {
  origin = await localOrigin((_req, res) => res.end("through the shim"));
  port = origin.port;
  shim = await createShim({ port: 0, allowLoopback: true, logger: () => {} });
  net = await createNetwork({ dialer: new WispDialer({ url: `${shim.url.replace(/^http/, "ws")}` }), tls: { ca: origin.root.certPem } });
});

afterAll(async () => {
  await net?.close();
  await shim?.close();
  origin?.close();
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
