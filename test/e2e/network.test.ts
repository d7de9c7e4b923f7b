// End to end through the device stack, the router and the Node dialer, against real
// Node servers on loopback.
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { localOrigin, rawGet, type LocalOrigin } from "../helpers/origin.js";
import { readAll } from "../helpers/streams.js";

let origin: LocalOrigin;
let echo: TcpServer;
let echoPort: number;
let net: Network;

function listen(server: TcpServer): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  origin = await localOrigin((req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end(`hello ${req.method} ${req.url}`);
  });
  echo = createTcpServer((s) => s.pipe(s));
  echoPort = await listen(echo);
  net = await createNetwork({ tls: { ca: origin.root.certPem } });
});

afterAll(async () => {
  await net?.close();
  origin?.close();
  echo?.close();
});

async function get(path: string, host = "localhost"): Promise<{ head: string; body: string; version?: string }> {
  const { head, body, info } = await rawGet(net, { host, port: origin.port, path });
  return { head, body, version: info.tls?.version };
}

describe("device -> router -> Node dialer", () => {
  it("resolves a name through the router's DNS to a fake address", async () => {
    const ip = await net.resolve("localhost");
    expect(ip).toMatch(/^198\.1[89]\./);
  });

  it("GETs over TLS 1.3 from a Node https server by name", async () => {
    const r = await get("/by-name");
    expect(r.head).toMatch(/^HTTP\/1\.1 200/);
    expect(r.body).toBe("hello GET /by-name");
    expect(r.version).toBe("TLSv1.3");
  });

  it("GETs by IP literal (certificate with an IP subjectAltName)", async () => {
    const r = await get("/by-ip", "127.0.0.1");
    expect(r.body).toBe("hello GET /by-ip");
  });

  it("echoes bytes over plain TCP, with half-close", async () => {
    const sock = await net.connectTcp({ host: "127.0.0.1", port: echoPort });
    await sock.opened;
    const payload = new Uint8Array(300_000).map((_, i) => (i * 7) & 255);
    const w = sock.writable.getWriter();
    const reading = readAll(sock.readable);
    await w.write(payload);
    await w.close();
    const back = await reading;
    expect(Buffer.from(back).equals(Buffer.from(payload))).toBe(true);
  });

  it("reports a refused connection as ERR_CONNECTION_REFUSED", async () => {
    const closed = createTcpServer();
    const port = await listen(closed);
    await new Promise((r) => closed.close(r));
    const err = await net.connectTcp({ host: "127.0.0.1", port }).catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_CONNECTION_REFUSED")).toBe(true);
  });

  it("reports a name nobody can resolve as ERR_DNS_NOT_FOUND", async () => {
    const err = await net.connectTls({ host: "no-such-host.invalid", port: 443 }).catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_DNS_NOT_FOUND")).toBe(true);
  });
});

describe("UDP through the router", () => {
  it("relays datagrams to a real UDP server and back (by IP and by name)", async () => {
    const { createSocket } = await import("node:dgram");
    const echo = createSocket("udp4");
    echo.on("message", (msg, rinfo) => echo.send(Buffer.concat([Buffer.from("echo:"), msg]), rinfo.port, rinfo.address));
    await new Promise<void>((r) => echo.bind(0, "127.0.0.1", r));
    const port = echo.address().port;
    const udp = await net.openUdp();
    try {
      const reader = udp.readable.getReader();
      await udp.send(new TextEncoder().encode("one"), "127.0.0.1", port);
      const a = await reader.read();
      expect(new TextDecoder().decode(a.value!.data)).toBe("echo:one");
      expect(a.value!.from).toBe(`10.0.2.2:${port}`);
      await udp.send(new TextEncoder().encode("two"), "localhost", port);
      const b = await reader.read();
      expect(new TextDecoder().decode(b.value!.data)).toBe("echo:two");
      expect(b.value!.from).toMatch(new RegExp(`^198\\.1[89]\\.\\d+\\.\\d+:${port}$`));
      reader.releaseLock();
    } finally {
      udp.close();
      echo.close();
    }
  });
});

describe("bad input", () => {
  it("refuses bad ports and hosts with ERR_INVALID_ARG", async () => {
    for (const [host, port] of [["localhost", 0], ["localhost", 70000], ["localhost", 1.5], ["", 443], ["a b", 443]] as const) {
      const err = await net.connectTcp({ host, port }).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_INVALID_ARG")).toBe(true);
    }
    const err = await net.fetch("https://localhost:0/").catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_INVALID_ARG")).toBe(true);
  });
});
