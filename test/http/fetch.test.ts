// fetch over the node:net/node:tls test connector, against real node:http(s) servers on
// 127.0.0.1. Waits on events, never on sleeps (timeouts are the thing under test where
// a timer appears).

import { createHash, randomBytes } from "node:crypto";
import { EventEmitter, once } from "node:events";
import http from "node:http";
import https from "node:https";
import type { AddressInfo, Socket } from "node:net";
import net from "node:net";
import { buffer } from "node:stream/consumers";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isLmwError, LmwError } from "../../ts-bindings/src/errors.js";
import { createFetch, type FetchClient, type FetchTiming } from "../../ts-bindings/src/http/index.js";
import { Pki, type Cert } from "../helpers/pki.js";
import { nodeConnector } from "./helpers.js";

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface TestServer {
  url: string;
  port: number;
  connections: number;
  sockets: Set<Socket>;
  close(): Promise<void>;
}

async function listen(server: http.Server | https.Server, scheme: string): Promise<TestServer> {
  const sockets = new Set<Socket>();
  const ts: TestServer = {
    url: "",
    port: 0,
    connections: 0,
    sockets,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
  server.on(scheme === "https" ? "secureConnection" : "connection", (s: Socket) => {
    ts.connections++;
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  ts.port = (server.address() as AddressInfo).port;
  ts.url = `${scheme}://127.0.0.1:${ts.port}`;
  return ts;
}

const BIG = randomBytes(10 * 1024 * 1024);
const BIG_SHA = createHash("sha256").update(BIG).digest("hex");

/** Emits a route's path when its request reached the server. */
const arrivals = new EventEmitter();

const routes: Record<string, Handler> = {
  "/hello": (_req, res) => {
    res.setHeader("content-type", "text/plain");
    res.end("hello world");
  },
  "/echo": async (req, res) => {
    const body = await buffer(req);
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        method: req.method,
        url: req.url,
        headers: req.headers,
        body: body.toString("latin1"),
      }),
    );
  },
  "/chunked-trailers": (_req, res) => {
    res.writeHead(200, { "content-type": "text/plain", trailer: "x-checksum" });
    res.write("part one, ");
    res.write("part two");
    res.addTrailers({ "x-checksum": "abc123" });
    res.end();
  },
  "/big": (_req, res) => {
    res.writeHead(200, { "content-length": String(BIG.length) });
    res.end(BIG);
  },
  "/gzip": (_req, res) => {
    res.writeHead(200, { "content-encoding": "gzip" });
    res.end(zlib.gzipSync("gzip body ".repeat(1000)));
  },
  "/x-gzip": (_req, res) => {
    res.writeHead(200, { "content-encoding": "x-gzip" });
    res.end(zlib.gzipSync("x-gzip body"));
  },
  "/deflate": (_req, res) => {
    res.writeHead(200, { "content-encoding": "deflate" });
    res.end(zlib.deflateSync("zlib deflate body"));
  },
  "/deflate-raw": (_req, res) => {
    res.writeHead(200, { "content-encoding": "deflate" });
    res.end(zlib.deflateRawSync("raw deflate body"));
  },
  "/bad-gzip": (_req, res) => {
    res.writeHead(200, { "content-encoding": "gzip" });
    res.end("this is not gzip at all");
  },
  "/no-content": (_req, res) => {
    res.writeHead(204);
    res.end();
  },
  "/not-modified": (_req, res) => {
    res.writeHead(304, { etag: '"x"' });
    res.end();
  },
  "/slow-stream": (_req, res) => {
    // Sends a first chunk, then nothing until the client goes away.
    res.writeHead(200, { "content-type": "application/octet-stream" });
    res.write(Buffer.alloc(1024, 1));
  },
  "/never": () => {
    // no response at all; tests wait for the request to arrive here
    arrivals.emit("/never");
  },
  "/redirect-301": (_req, res) => {
    res.writeHead(301, { location: "/echo" });
    res.end("moved");
  },
  "/redirect-302": (_req, res) => {
    res.writeHead(302, { location: "/echo" });
    res.end();
  },
  "/redirect-303": (_req, res) => {
    res.writeHead(303, { location: "/echo" });
    res.end();
  },
  "/redirect-307": (_req, res) => {
    res.writeHead(307, { location: "/echo" });
    res.end();
  },
  "/redirect-308": (_req, res) => {
    res.writeHead(308, { location: "/echo" });
    res.end();
  },
  "/redirect-loop": (_req, res) => {
    res.writeHead(302, { location: "/redirect-loop" });
    res.end();
  },
};

let server: TestServer;
let other: TestServer; // a second origin, for cross-origin redirects
let tlsServer: TestServer;
let pki: Pki;
let root: Cert;
let connects = 0;
let client: FetchClient;

function handler(req: http.IncomingMessage, res: http.ServerResponse): void {
  const path = (req.url ?? "/").split("?")[0]!;
  if (path === "/to-other") {
    res.writeHead(302, { location: `${other.url}/echo` });
    res.end();
    return;
  }
  const route = routes[path];
  if (!route) {
    res.writeHead(404);
    res.end("not found");
    return;
  }
  route(req, res);
}

beforeAll(async () => {
  pki = new Pki();
  root = pki.issue({ cn: "lmw test CA", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost", "127.0.0.1"], issuer: root });
  server = await listen(http.createServer({ keepAliveTimeout: 10000 }, handler), "http");
  other = await listen(http.createServer(handler), "http");
  tlsServer = await listen(https.createServer({ key: leaf.keyPem, cert: leaf.chainPem }, handler), "https");
  client = createFetch(nodeConnector({ ca: root.certPem, onConnect: () => connects++ }), { version: "9.9.9" });
});

afterAll(async () => {
  await client.close();
  await Promise.all([server.close(), other.close(), tlsServer.close()]);
  pki.dispose();
});

async function expectCode(p: Promise<unknown>, code: string): Promise<LmwError> {
  try {
    await p;
  } catch (e) {
    expect(isLmwError(e), `expected LmwError ${code}, got ${String(e)}`).toBe(true);
    expect((e as LmwError).code).toBe(code);
    return e as LmwError;
  }
  throw new Error(`expected rejection with ${code}`);
}

describe("fetch: requests and responses", () => {
  it("GET with default headers", async () => {
    const res = await client.fetch(`${server.url}/echo?x=1`);
    expect(res.status).toBe(200);
    expect(res.url).toBe(`${server.url}/echo?x=1`);
    expect(res.redirected).toBe(false);
    const j = await res.json();
    expect(j.method).toBe("GET");
    expect(j.url).toBe("/echo?x=1");
    expect(j.headers.host).toBe(`127.0.0.1:${server.port}`);
    expect(j.headers["user-agent"]).toBe("lwip-mbedtls-wasm/9.9.9");
    expect(j.headers.accept).toBe("*/*");
    expect(j.headers["accept-encoding"]).toBe("gzip, deflate");
    expect(j.headers.connection).toBe("keep-alive");
  });

  it("POST string, bytes, URLSearchParams, Blob and FormData bodies with Content-Length", async () => {
    const cases: Array<[BodyInit, string | RegExp, string | RegExp]> = [
      ["plain text", "plain text", /^text\/plain/],
      [new Uint8Array([0, 1, 2, 255]), "\x00\x01\x02\xff", ""],
      [new URLSearchParams({ a: "1", b: "two" }), "a=1&b=two", /^application\/x-www-form-urlencoded/],
      [new Blob(["blob!"], { type: "text/x-blob" }), "blob!", "text/x-blob"],
    ];
    for (const [body, expected, ct] of cases) {
      const j = await (await client.fetch(`${server.url}/echo`, { method: "POST", body })).json();
      expect(j.body).toEqual(expected);
      expect(j.headers["content-length"]).toBe(String(j.body.length));
      expect(j.headers["transfer-encoding"]).toBeUndefined();
      if (ct) expect(j.headers["content-type"]).toMatch(ct);
    }
    const fd = new FormData();
    fd.set("field", "value");
    const j = await (await client.fetch(`${server.url}/echo`, { method: "POST", body: fd })).json();
    expect(j.headers["content-type"]).toMatch(/^multipart\/form-data; boundary=/);
    expect(j.body).toContain('name="field"');
    expect(j.body).toContain("value");
  });

  it("POST with a ReadableStream body goes out chunked", async () => {
    const parts = ["one ", "two ", "three"];
    const body = new ReadableStream<Uint8Array>({
      pull(c) {
        const p = parts.shift();
        if (p === undefined) c.close();
        else c.enqueue(new TextEncoder().encode(p));
      },
    });
    const j = await (await client.fetch(`${server.url}/echo`, { method: "POST", body, headers: { "x-custom": "yes" } })).json();
    expect(j.body).toBe("one two three");
    expect(j.headers["transfer-encoding"]).toBe("chunked");
    expect(j.headers["content-length"]).toBeUndefined();
    expect(j.headers["x-custom"]).toBe("yes");
  });

  it("reads a chunked response with trailers", async () => {
    const res = await client.fetch(`${server.url}/chunked-trailers`);
    expect(await res.text()).toBe("part one, part two");
    const trailers = await (res as Response & { trailers: Promise<Headers> }).trailers;
    expect(trailers.get("x-checksum")).toBe("abc123");
  });

  it("streams a 10 MB body intact (SHA-256)", async () => {
    const res = await client.fetch(`${server.url}/big`);
    const hash = createHash("sha256");
    let n = 0;
    const reader = res.body!.getReader();
    for (let r = await reader.read(); !r.done; r = await reader.read()) {
      hash.update(r.value);
      n += r.value.length;
    }
    expect(n).toBe(BIG.length);
    expect(hash.digest("hex")).toBe(BIG_SHA);
  });

  it("HEAD, 204 and 304 have no body", async () => {
    const head = await client.fetch(`${server.url}/big`, { method: "HEAD" });
    expect(head.headers.get("content-length")).toBe(String(BIG.length));
    expect(head.body).toBeNull();
    expect((await client.fetch(`${server.url}/no-content`)).body).toBeNull();
    const nm = await client.fetch(`${server.url}/not-modified`);
    expect(nm.status).toBe(304);
    expect(nm.body).toBeNull();
    // And the connection is still good afterwards.
    expect(await (await client.fetch(`${server.url}/hello`)).text()).toBe("hello world");
  });

  it("decodes gzip, x-gzip, deflate (zlib and raw)", async () => {
    expect(await (await client.fetch(`${server.url}/gzip`)).text()).toBe("gzip body ".repeat(1000));
    expect(await (await client.fetch(`${server.url}/x-gzip`)).text()).toBe("x-gzip body");
    expect(await (await client.fetch(`${server.url}/deflate`)).text()).toBe("zlib deflate body");
    expect(await (await client.fetch(`${server.url}/deflate-raw`)).text()).toBe("raw deflate body");
  });

  it("a broken gzip body fails with ERR_HTTP_DECODE", async () => {
    const res = await client.fetch(`${server.url}/bad-gzip`);
    await expectCode(res.arrayBuffer(), "ERR_HTTP_DECODE");
  });

  it("reports timing", async () => {
    let t: FetchTiming | undefined;
    const res = await client.fetch(`${server.url}/hello`, { onTiming: (x) => (t = x) });
    await res.text();
    expect(t).toBeDefined();
    expect(t!.connectStart).toBeLessThanOrEqual(t!.connected);
    expect(t!.connected).toBeLessThanOrEqual(t!.requestSent);
    expect(t!.requestSent).toBeLessThanOrEqual(t!.firstByte);
    expect(t!.firstByte).toBeLessThanOrEqual(t!.end);
  });
});

describe("fetch: connection reuse", () => {
  it("reuses one keep-alive connection for sequential requests", async () => {
    const c = createFetch(nodeConnector());
    const before = server.connections;
    for (let i = 0; i < 5; i++) expect(await (await c.fetch(`${server.url}/hello`)).text()).toBe("hello world");
    expect(server.connections - before).toBe(1);
    await c.close();
  });

  it("does not reuse a connection whose body was not fully read", async () => {
    const c = createFetch(nodeConnector());
    const before = server.connections;
    const r1 = await c.fetch(`${server.url}/big`);
    await r1.body!.cancel();
    expect(await (await c.fetch(`${server.url}/hello`)).text()).toBe("hello world");
    expect(server.connections - before).toBe(2);
    await c.close();
  });

  it("drops a connection the server closed while idle, and retries once on a stale one", async () => {
    const c = createFetch(nodeConnector());
    const before = server.connections;
    await (await c.fetch(`${server.url}/hello`)).text();
    // Server closes all its idle sockets.
    for (const s of server.sockets) s.destroy();
    expect(await (await c.fetch(`${server.url}/hello`)).text()).toBe("hello world");
    expect(server.connections - before).toBe(2);
    await c.close();
  });

  it("runs 50 concurrent requests on at most 6 sockets", async () => {
    const c = createFetch(nodeConnector());
    const before = server.connections;
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => c.fetch(`${server.url}/echo?i=${i}`).then((r) => r.json())));
    expect(results.map((r) => r.url)).toEqual(Array.from({ length: 50 }, (_, i) => `/echo?i=${i}`));
    expect(server.connections - before).toBeLessThanOrEqual(6);
    expect(c.openConnections(server.url)).toBeLessThanOrEqual(6);
    await c.close();
  });
});

describe("fetch: redirects", () => {
  it("follows 301/302 (POST becomes GET), 303 (GET), 307/308 (method and body kept)", async () => {
    const post = (path: string) => client.fetch(`${server.url}${path}`, { method: "POST", body: "payload", headers: { "content-type": "text/x-test" } });
    for (const [path, method, body] of [
      ["/redirect-301", "GET", ""],
      ["/redirect-302", "GET", ""],
      ["/redirect-303", "GET", ""],
      ["/redirect-307", "POST", "payload"],
      ["/redirect-308", "POST", "payload"],
    ] as const) {
      const res = await post(path);
      expect(res.redirected, path).toBe(true);
      expect(res.url).toBe(`${server.url}/echo`);
      const j = await res.json();
      expect(j.method, path).toBe(method);
      expect(j.body, path).toBe(body);
      if (method === "GET") expect(j.headers["content-type"], path).toBeUndefined();
      else expect(j.headers["content-type"], path).toBe("text/x-test");
    }
    const put = await client.fetch(`${server.url}/redirect-303`, { method: "PUT", body: "x" });
    expect((await put.json()).method).toBe("GET");
  });

  it("manual returns the redirect; error rejects", async () => {
    const res = await client.fetch(`${server.url}/redirect-302`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("/echo");
    expect(res.redirected).toBe(false);
    await res.arrayBuffer();
    await expectCode(client.fetch(`${server.url}/redirect-302`, { redirect: "error" }), "ERR_HTTP_REDIRECT");
  });

  it("stops after 20 redirects", async () => {
    await expectCode(client.fetch(`${server.url}/redirect-loop`), "ERR_HTTP_TOO_MANY_REDIRECTS");
  });

  it("strips Authorization and Cookie on a cross-origin redirect, keeps them same-origin", async () => {
    const headers = { authorization: "Bearer secret", cookie: "a=b", "x-other": "kept" };
    const cross = await (await client.fetch(`${server.url}/to-other`, { headers })).json();
    expect(cross.headers.authorization).toBeUndefined();
    expect(cross.headers.cookie).toBeUndefined();
    expect(cross.headers["x-other"]).toBe("kept");
    const same = await (await client.fetch(`${server.url}/redirect-302`, { headers })).json();
    expect(same.headers.authorization).toBe("Bearer secret");
    expect(same.headers.cookie).toBe("a=b");
  });
});

describe("fetch: aborts, timeouts, failures", () => {
  it("abort before connect", async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(client.fetch(`${server.url}/hello`, { signal: ac.signal })).rejects.toMatchObject({ name: "AbortError" });
  });

  it("abort during connect", async () => {
    // A connector whose connect never completes until aborted.
    const c = createFetch({
      connect: ({ signal }) =>
        new Promise((_, reject) => signal!.addEventListener("abort", () => reject(signal!.reason), { once: true })),
    });
    const ac = new AbortController();
    const p = c.fetch("http://127.0.0.1:9/", { signal: ac.signal });
    ac.abort(new Error("stop connecting"));
    await expect(p).rejects.toThrow("stop connecting");
    await c.close();
  });

  it("abort while waiting for headers", async () => {
    const ac = new AbortController();
    const arrived = once(arrivals, "/never");
    const p = client.fetch(`${server.url}/never`, { signal: ac.signal });
    await arrived; // the request is out and the client waits for the head
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: "AbortError" });
  });

  it("abort mid-body errors the stream with the reason and destroys the socket", async () => {
    const c = createFetch(nodeConnector());
    const ac = new AbortController();
    const res = await c.fetch(`${server.url}/slow-stream`, { signal: ac.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).value!.length).toBe(1024);
    const reason = new Error("user gave up");
    ac.abort(reason);
    await expect(reader.read()).rejects.toBe(reason);
    expect(c.openConnections(server.url)).toBe(0);
    await c.close();
  });

  it("connect timeout → ERR_TIMEOUT_CONNECT", async () => {
    const c = createFetch({ connect: () => new Promise(() => {}) }, { connectTimeout: 100 });
    const e = await expectCode(c.fetch("http://127.0.0.1:9/"), "ERR_TIMEOUT_CONNECT");
    expect(e.layer).toBe("http");
    await c.close();
  });

  it("headers timeout → ERR_TIMEOUT_HEADERS", async () => {
    await expectCode(client.fetch(`${server.url}/never`, { headersTimeout: 150 }), "ERR_TIMEOUT_HEADERS");
  });

  it("idle body timeout → ERR_TIMEOUT_IDLE", async () => {
    const res = await client.fetch(`${server.url}/slow-stream`, { bodyTimeout: 150 });
    await expectCode(res.arrayBuffer(), "ERR_TIMEOUT_IDLE");
  });

  it("server reset mid-body → ERR_CONNECTION_RESET, no hang", async () => {
    // A raw server (node:http's socket ends with FIN even on resetAndDestroy()), which
    // resets once the client has read the first 20000 body bytes and is waiting for more.
    let serverSide: net.Socket | undefined;
    const raw = net.createServer((s) => {
      serverSide = s;
      s.once("data", () => {
        s.write("HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n");
        s.write(Buffer.alloc(20000, 2));
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as AddressInfo).port;
    const res = await client.fetch(`http://127.0.0.1:${port}/`);
    const reader = res.body!.getReader();
    let n = 0;
    while (n < 20000) n += (await reader.read()).value!.length;
    const next = reader.read();
    serverSide!.resetAndDestroy();
    await expectCode(next, "ERR_CONNECTION_RESET");
    await new Promise<void>((r) => raw.close(() => r()));
  });

  it("connection refused reaches the caller unchanged", async () => {
    const probe = net.createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    await expectCode(client.fetch(`http://127.0.0.1:${port}/`), "ERR_CONNECTION_REFUSED");
  });

  it("a truncated Content-Length body → ERR_HTTP_PREMATURE_CLOSE", async () => {
    const raw = net.createServer((s) => {
      s.once("data", () => s.end("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"));
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as AddressInfo).port;
    const res = await client.fetch(`http://127.0.0.1:${port}/`);
    await expectCode(res.text(), "ERR_HTTP_PREMATURE_CLOSE");
    await new Promise<void>((r) => raw.close(() => r()));
  });

  it("skips 100 Continue and 103 Early Hints; rejects a malformed head with ERR_HTTP_PARSE", async () => {
    const raw = net.createServer((s) => {
      s.once("data", (d) => {
        if (d.toString().startsWith("GET /bad")) s.end("HTTP/1.1 200 OK\r\nX-Bad: a\x00b\r\n\r\n");
        else s.end("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      });
    });
    await new Promise<void>((r) => raw.listen(0, "127.0.0.1", r));
    const port = (raw.address() as AddressInfo).port;
    const res = await client.fetch(`http://127.0.0.1:${port}/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toBe("ok");
    const e = await expectCode(client.fetch(`http://127.0.0.1:${port}/bad`), "ERR_HTTP_PARSE");
    expect(e.layer).toBe("http");
    expect(e.message).toMatch(/0x00/);
    await new Promise<void>((r) => raw.close(() => r()));
  });
});

describe("fetch over TLS", () => {
  it("GET over https with the generated CA", async () => {
    const res = await client.fetch(`${tlsServer.url}/hello`);
    expect(await res.text()).toBe("hello world");
    const res2 = await client.fetch(`https://localhost:${tlsServer.port}/gzip`);
    expect((await res2.text()).length).toBe(10000);
  });

  it("an untrusted certificate reaches the caller as ERR_TLS_CERT_UNTRUSTED", async () => {
    const c = createFetch(nodeConnector());
    await expectCode(c.fetch(`${tlsServer.url}/hello`), "ERR_TLS_CERT_UNTRUSTED");
    await c.close();
  });
});
