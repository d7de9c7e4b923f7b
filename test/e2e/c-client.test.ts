// The book's HTTPS client in C (native/apps/https_client.c) run inside the device stack,
// through the router and the Node dialer, against real Node https servers on loopback.
import { createHash } from "node:crypto";
import { createServer as createTcpServer, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCClient } from "../../ts-bindings/src/apps/https-client.js";
import { isLmwError, type LmwError } from "../../ts-bindings/src/errors.js";
import { createNetwork, type Network } from "../../ts-bindings/src/network.js";
import { httpsOrigin, localOrigin, type HttpsOrigin, type LocalOrigin } from "../helpers/origin.js";
import type { Cert } from "../helpers/pki.js";

let origin: LocalOrigin;
let root: Cert;
let otherRoot: Cert;
let port: number;
let wrongName: HttpsOrigin;
let wrongNamePort: number;
const big = new Uint8Array(1024 * 1024).map((_, i) => (i * 31 + (i >> 10)) & 255);
const bigSha = createHash("sha256").update(big).digest("hex");

function listen(server: ReturnType<typeof createTcpServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

beforeAll(async () => {
  origin = await localOrigin((req, res) => {
    const tls = (req.socket as import("node:tls").TLSSocket).getProtocol();
    if (req.url === "/chunked") {
      // No Content-Length: Node sends Transfer-Encoding: chunked, one chunk per write.
      res.setHeader("content-type", "text/plain");
      res.write("one,");
      setTimeout(() => {
        res.write("two,");
        res.end("three");
      }, 5);
      return;
    }
    if (req.url === "/big") {
      res.setHeader("content-type", "application/octet-stream");
      res.setHeader("content-length", big.length);
      res.end(big);
      return;
    }
    const body = `hello ${req.method} ${req.url} host=${req.headers.host} conn=${req.headers.connection} tls=${tls}`;
    res.setHeader("content-type", "text/plain");
    res.setHeader("content-length", Buffer.byteLength(body));
    res.end(body);
  });
  root = origin.root;
  port = origin.port;
  otherRoot = origin.pki.issue({ cn: "Somebody Else's Root", ca: true });
  const other = origin.pki.issue({ cn: "other.example", san: ["other.example"], issuer: root });
  wrongName = await httpsOrigin(other, (_req, res) => res.end("should not be seen"));
  wrongNamePort = wrongName.port;
});

afterAll(async () => {
  wrongName?.close();
  origin?.close();
});

/** A network for one test, closed whatever happens. */
async function withNetwork<T>(ca: string | undefined, fn: (net: Network) => Promise<T>): Promise<T> {
  const net = await createNetwork(ca ? { tls: { ca } } : {});
  try {
    return await fn(net);
  } finally {
    await net.close();
  }
}

const text = (b: Uint8Array) => new TextDecoder().decode(b);

describe("the book's HTTPS client in C", () => {
  it("GETs from a Node https server by name, verified, over TLS 1.3", async () => {
    await withNetwork(root.certPem, async (net) => {
      const r = await runCClient(net, `https://localhost:${port}/hello?x=1`, { ca: root.certPem });
      expect(r.status).toBe(200);
      expect(text(r.body)).toBe(`hello GET /hello?x=1 host=localhost:${port} conn=close tls=TLSv1.3`);
      expect(r.headers).toContainEqual(["content-type", "text/plain"]);
      expect(text(r.raw)).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      expect(r.ms).toBeGreaterThan(0);
    });
  });

  it("maps an IP literal 127.0.0.1 to the gateway and checks the certificate's IP name", async () => {
    await withNetwork(undefined, async (net) => {
      const r = await runCClient(net, `https://127.0.0.1:${port}/by-ip`, { ca: root.certPem });
      expect(text(r.body)).toBe(`hello GET /by-ip host=127.0.0.1:${port} conn=close tls=TLSv1.3`);
    });
  });

  it("de-chunks a chunked response", async () => {
    await withNetwork(undefined, async (net) => {
      const r = await runCClient(net, `https://localhost:${port}/chunked`, { ca: root.certPem });
      expect(r.status).toBe(200);
      expect(r.headers.find(([n]) => n.toLowerCase() === "transfer-encoding")?.[1]).toBe("chunked");
      expect(text(r.body)).toBe("one,two,three");
      expect(r.raw.length).toBeGreaterThan(r.body.length);
    });
  });

  it("receives a 1 MB body intact (SHA-256)", async () => {
    await withNetwork(undefined, async (net) => {
      const r = await runCClient(net, `https://localhost:${port}/big`, { ca: root.certPem });
      expect(r.status).toBe(200);
      expect(r.body.length).toBe(big.length);
      expect(createHash("sha256").update(r.body).digest("hex")).toBe(bigSha);
    });
  });

  it("refuses a server whose CA is not trusted: ERR_TLS_CERT_UNTRUSTED", async () => {
    await withNetwork(undefined, async (net) => {
      const err = (await runCClient(net, `https://localhost:${port}/`, { ca: otherRoot.certPem }).catch((e: unknown) => e)) as LmwError;
      expect(isLmwError(err, "ERR_TLS_CERT_UNTRUSTED")).toBe(true);
      expect(err.layer).toBe("x509");
    });
  });

  it("refuses the bundled public roots for a private CA by default", async () => {
    await withNetwork(undefined, async (net) => {
      const err = await runCClient(net, `https://localhost:${port}/`).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_TLS_CERT_UNTRUSTED")).toBe(true);
    });
  });

  it("refuses a certificate for another name: ERR_TLS_HOSTNAME_MISMATCH", async () => {
    await withNetwork(undefined, async (net) => {
      const err = await runCClient(net, `https://localhost:${wrongNamePort}/`, { ca: root.certPem }).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_TLS_HOSTNAME_MISMATCH")).toBe(true);
    });
  });

  it("succeeds against an untrusted certificate only with insecure", async () => {
    await withNetwork(undefined, async (net) => {
      const logs: string[] = [];
      net.device.setOnLog((e) => logs.push(e.text));
      const r = await runCClient(net, `https://localhost:${wrongNamePort}/`, { ca: otherRoot.certPem, insecure: true });
      expect(r.status).toBe(200);
      expect(text(r.body)).toBe("should not be seen");
      expect(logs.some((l) => /verification is OFF/.test(l))).toBe(true);
    });
  });

  it("reports a closed port as ERR_CONNECTION_REFUSED", async () => {
    const closed = createTcpServer();
    const closedPort = await listen(closed);
    await new Promise((r) => closed.close(r));
    await withNetwork(undefined, async (net) => {
      const err = await runCClient(net, `https://localhost:${closedPort}/`, { ca: root.certPem }).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_CONNECTION_REFUSED")).toBe(true);
    });
  });

  it("gives up on a server that never answers the handshake: ERR_TIMEOUT (poll count)", async () => {
    const silent = createTcpServer(() => {}); // accepts, then says nothing
    const silentPort = await listen(silent);
    try {
      await withNetwork(undefined, async (net) => {
        const t0 = performance.now();
        const err = await runCClient(net, `https://localhost:${silentPort}/`, { ca: root.certPem, timeoutMs: 1500 }).catch((e: unknown) => e);
        expect(isLmwError(err, "ERR_TIMEOUT")).toBe(true);
        expect(performance.now() - t0).toBeGreaterThanOrEqual(1000);
      });
    } finally {
      silent.close();
    }
  });

  it("reports a name nobody can resolve as ERR_DNS_NOT_FOUND", async () => {
    await withNetwork(undefined, async (net) => {
      const err = await runCClient(net, "https://no-such-host.invalid/", { ca: root.certPem }).catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_DNS_NOT_FOUND")).toBe(true);
    });
  });

  it("aborts on a signal and frees the request", async () => {
    await withNetwork(undefined, async (net) => {
      const before = net.device.heapInUse();
      const ac = new AbortController();
      const running = runCClient(net, `https://localhost:${port}/big`, { ca: root.certPem, signal: ac.signal });
      ac.abort();
      const err = await running.catch((e: unknown) => e);
      expect(isLmwError(err, "ERR_ABORTED")).toBe(true);
      // The C side still reports its end (ERR_ABRT); the request is freed then.
      const r = await runCClient(net, `https://localhost:${port}/after`, { ca: root.certPem });
      expect(r.status).toBe(200);
      expect(net.device.heapInUse()).toBeLessThanOrEqual(before + 64 * 1024);
    });
  });

  it("leaves no request, connection or config state behind", async () => {
    await withNetwork(undefined, async (net) => {
      const { mem, mod } = net.device;
      const idleTimeouts = net.device.stat("timeouts");
      // Heap snapshots only once the device is quiet: no pcb (TIME_WAIT included) and
      // lwIP's TCP timer stopped, which it does one tick after the last pcb.
      const quiet = () =>
        vi.waitFor(() => {
          expect(net.device.stat("tcp_active") + net.device.stat("tcp_time_wait")).toBe(0);
          expect(net.device.stat("timeouts")).toBe(idleTimeouts);
        }, { timeout: 15_000, interval: 100 });
      // lwIP 2.2.1's altcp_tls_free_config leaks the session-ticket context of every config
      // (~480 bytes); native/tls/altcp_tls_36.c frees it. A config must now cost nothing.
      const configCost = () => {
        using out = mem.alloc(4);
        const before = net.device.heapInUse();
        expect(mod._lmw_tls_config_client(0, 0, 0, out.ptr)).toBe(0);
        mod._lmw_tls_config_free(out.u32());
        return net.device.heapInUse() - before;
      };
      configCost();
      await runCClient(net, `https://localhost:${port}/warm`, { ca: root.certPem });
      expect(configCost()).toBe(0);
      await quiet();
      const heap = net.device.heapInUse();
      const ac = new AbortController();
      const aborted = runCClient(net, `https://localhost:${port}/big`, { ca: root.certPem, signal: ac.signal });
      ac.abort();
      await aborted.catch(() => {});
      for (let i = 0; i < 3; i++) await runCClient(net, `https://localhost:${port}/again`, { ca: root.certPem });
      await runCClient(net, `https://localhost:${port}/`, { ca: otherRoot.certPem }).catch(() => {});
      await runCClient(net, "https://no-such-host.invalid/", { ca: root.certPem }).catch(() => {});
      await quiet();
      expect(net.device.heapInUse() - heap).toBe(0);
      expect(net.device.assertCount()).toBe(0);
      expect(net.device.stat("tcp_active")).toBe(0);
      expect(net.device.stat("conns")).toBe(0); // the C app holds no lmw_conn handles either
    });
  });
});
