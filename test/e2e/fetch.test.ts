// fetch through the device stack (lwIP + altcp_tls + Mbed TLS), the router and the Node
// dialer, against real Node https servers on loopback.
import { createHash } from "node:crypto";
import { createServer as createTlsServer, type Server as TlsServer } from "node:tls";
import type { AddressInfo, Socket } from "node:net";
import { gzipSync, deflateSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLmwError } from "../../ts-bindings/src/errors.js";
import { socketInfoOf } from "../../ts-bindings/src/http/index.js";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { localOrigin, type LocalOrigin } from "../helpers/origin.js";
import type { Cert } from "../helpers/pki.js";

let origin: LocalOrigin;
let leaf: Cert;
let base: string;
let net: Network;
let connections = 0;
const big = Buffer.alloc(10 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 31 + (i >> 9)) & 255;

beforeAll(async () => {
  origin = await localOrigin(async (req, res) => {
    const url = new URL(req.url!, "https://localhost");
    switch (url.pathname) {
      case "/echo": {
        const chunks: Buffer[] = [];
        for await (const c of req) chunks.push(c as Buffer);
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(), te: req.headers["transfer-encoding"] ?? null }));
        return;
      }
      case "/chunked":
        res.write("one,");
        setTimeout(() => res.end("two"), 10);
        return;
      case "/big":
        res.setHeader("content-length", big.length);
        res.end(big);
        return;
      case "/redirect":
        res.writeHead(302, { location: "/echo" });
        res.end();
        return;
      case "/gzip":
        res.setHeader("content-encoding", "gzip");
        res.end(gzipSync("zipped text"));
        return;
      case "/deflate":
        res.setHeader("content-encoding", "deflate");
        res.end(deflateSync("deflated text"));
        return;
      case "/slow-headers":
        setTimeout(() => res.end("late"), 3000);
        return;
      case "/stall":
        res.setHeader("content-length", 100);
        res.write("partial");
        return; // never ends
      default:
        res.end(`path ${url.pathname}`);
    }
  }, { keepAliveTimeout: 30_000 });
  origin.server.on("connection", () => connections++);
  leaf = origin.leaf;
  base = origin.url;
  net = await createNetwork({ tls: { ca: origin.root.certPem } });
});

afterAll(async () => {
  await net.close();
  origin.close();
});

const sha = (b: Uint8Array) => createHash("sha256").update(b).digest("hex");

describe("fetch through the stack", () => {
  it("GET, and which connection answered", async () => {
    const r = await net.fetch(`${base}/hello`);
    expect(r.status).toBe(200);
    expect(await r.text()).toBe("path /hello");
    const info = socketInfoOf(r);
    expect(info?.tls?.version).toBe("TLSv1.3");
    expect(info?.tls?.peerCertificates[0]?.subject).toBe("CN=localhost");
    expect(info?.localAddress).toMatch(/^10\.0\.2\.15:\d+$/);
  });

  it("POST with a string body and with a streamed body", async () => {
    const a = await net.fetch(`${base}/echo`, { method: "POST", body: "payload" });
    expect(await a.json()).toEqual({ method: "POST", body: "payload", te: null });
    const stream = new ReadableStream<Uint8Array>({
      start(c) {
        c.enqueue(new TextEncoder().encode("str"));
        c.enqueue(new TextEncoder().encode("eamed"));
        c.close();
      },
    });
    const b = await net.fetch(`${base}/echo`, { method: "PUT", body: stream, duplex: "half" } as RequestInit);
    expect(await b.json()).toEqual({ method: "PUT", body: "streamed", te: "chunked" });
  });

  it("chunked responses", async () => {
    expect(await (await net.fetch(`${base}/chunked`)).text()).toBe("one,two");
  });

  it("a 10 MB body, checked by SHA-256", async () => {
    const r = await net.fetch(`${base}/big`);
    const body = new Uint8Array(await r.arrayBuffer());
    expect(body.length).toBe(big.length);
    expect(sha(body)).toBe(sha(big));
  });

  it("reuses a kept-alive connection", async () => {
    await (await net.fetch(`${base}/a`)).text();
    const before = connections;
    for (let i = 0; i < 5; i++) await (await net.fetch(`${base}/k${i}`)).text();
    expect(connections).toBe(before);
  });

  it("follows redirects (302 POST becomes GET), or not", async () => {
    const r = await net.fetch(`${base}/redirect`, { method: "POST", body: "x" });
    expect(r.redirected).toBe(true);
    expect(r.url).toBe(`${base}/echo`);
    expect((await r.json()).method).toBe("GET");
    const m = await net.fetch(`${base}/redirect`, { redirect: "manual" });
    expect(m.status).toBe(302);
    await m.text();
    const err = await net.fetch(`${base}/redirect`, { redirect: "error" }).catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_HTTP_REDIRECT")).toBe(true);
  });

  it("decodes gzip and deflate", async () => {
    expect(await (await net.fetch(`${base}/gzip`)).text()).toBe("zipped text");
    expect(await (await net.fetch(`${base}/deflate`)).text()).toBe("deflated text");
  });

  it("50 concurrent requests", async () => {
    const rs = await Promise.all(Array.from({ length: 50 }, (_, i) => net.fetch(`${base}/c${i}`).then((r) => r.text())));
    expect(rs).toEqual(Array.from({ length: 50 }, (_, i) => `path /c${i}`));
  });

  it("aborts mid-stream", async () => {
    const ac = new AbortController();
    const r = await net.fetch(`${base}/stall`, { signal: ac.signal });
    const reader = r.body!.getReader();
    expect(new TextDecoder().decode((await reader.read()).value)).toBe("partial");
    const reason = new Error("enough");
    ac.abort(reason);
    await expect(reader.read()).rejects.toBe(reason); // the fetch standard: the signal's reason
  });

  it("times out waiting for headers and for body bytes, with distinct codes", async () => {
    const h = await net.fetch(`${base}/slow-headers`, { headersTimeout: 300 } as RequestInit).catch((e: unknown) => e);
    expect(isLmwError(h, "ERR_TIMEOUT_HEADERS")).toBe(true);
    const r = await net.fetch(`${base}/stall`, { bodyTimeout: 300 } as RequestInit);
    const err = await r.text().catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_TIMEOUT_IDLE")).toBe(true);
  });

  it("times out connecting (a peer that never answers the TLS handshake)", async () => {
    const held: Socket[] = [];
    // A raw TCP listener that accepts and says nothing: TCP connects, TLS never completes.
    const { createServer } = await import("node:net");
    const mute = createServer((s) => held.push(s));
    await new Promise<void>((r) => mute.listen(0, "127.0.0.1", r));
    const port = (mute.address() as AddressInfo).port;
    const err = await net.connectTls({ host: "localhost", port, handshakeTimeout: 300 }).catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_TIMEOUT_HANDSHAKE")).toBe(true);
    for (const s of held) s.destroy();
    mute.close();
  });

  it("reports a reset mid-body as ERR_CONNECTION_RESET, without hanging", async () => {
    let raw: Socket | undefined;
    const tls: TlsServer = createTlsServer({ cert: leaf.chainPem, key: leaf.keyPem }, (s) => {
      s.once("data", () => {
        // Headers and part of the body; the RST follows once the client has the headers.
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + "x".repeat(5000));
      });
    });
    tls.on("connection", (sock: Socket) => (raw = sock));
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const port = (tls.address() as AddressInfo).port;
    const r = await net.fetch(`https://localhost:${port}/`);
    raw!.resetAndDestroy(); // a TCP RST, not a FIN, mid-body
    const err = await r.arrayBuffer().catch((e: unknown) => e);
    expect(isLmwError(err, "ERR_CONNECTION_RESET")).toBe(true);
    tls.close();
  });
});

describe("connect timeout", () => {
  it("is ERR_TIMEOUT_CONNECT while the real connection is still being dialed", async () => {
    // A dialer that never connects: the router holds the device's SYN the whole time.
    const stuck = createNetwork({
      tls: { ca: origin.root.certPem },
      dialer: { dialTcp: () => new Promise(() => {}), close: async () => {} },
    });
    const n = await stuck;
    try {
      const err = await n.connectTls({ host: "localhost", port: 443, connectTimeout: 300, handshakeTimeout: 300 }).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_TIMEOUT_CONNECT")).toBe(true);
    } finally {
      await n.close();
    }
  });
});
