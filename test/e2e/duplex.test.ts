// Node's own HTTP client over a connection of the embedded stack, through the Duplex
// adapter: the stack does TCP and TLS, Node's http module does HTTP.
import { request as httpRequest } from "node:http";
import type { TLSSocket } from "node:tls";
import { afterAll, beforeAll, expect, it } from "vitest";
import { toNodeDuplex } from "../../ts-bindings/src/node/duplex.js";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { localOrigin, type LocalOrigin } from "../helpers/origin.js";

let origin: LocalOrigin;
let port: number;
let net: Network;

beforeAll(async () => {
  origin = await localOrigin((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => res.end(`${req.method} ${req.url} ${body} via ${(req.socket as TLSSocket).getProtocol()}`));
  });
  port = origin.port;
  net = await createNetwork({ tls: { ca: origin.root.certPem } });
});
afterAll(async () => {
  await net.close();
  origin.close();
});

it("Node's http client runs over connectTls with createConnection", async () => {
  const sock = await net.connectTls({ host: "localhost", port });
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpRequest({
      host: "localhost",
      port,
      method: "POST",
      path: "/over-duplex",
      headers: { connection: "close" },
      createConnection: () => toNodeDuplex(sock) as never,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(`${res.statusCode} ${body}`));
    });
    req.on("error", reject);
    req.end("payload");
  });
  expect(text).toBe("200 POST /over-duplex payload via TLSv1.3");
});

it("and so does https.request (TLS is already done by the stack)", async () => {
  const { request: httpsRequest } = await import("node:https");
  const sock = await net.connectTls({ host: "localhost", port });
  const text = await new Promise<string>((resolve, reject) => {
    const req = httpsRequest({
      host: "localhost",
      port,
      path: "/https-request",
      createConnection: () => toNodeDuplex(sock) as never,
    }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve(body));
    });
    req.on("error", reject);
    req.end();
  });
  expect(text).toBe("GET /https-request  via TLSv1.3");
});
