// The examples/pico server programs, built natively and to WASM, reached from the host
// through --forward by Node's own HTTP(S) clients: the HTTPS server (lwIP's httpd over
// altcp_tls; Node verifies its certificate against the test CA) and the web server with
// SSI and CGI (live values in the page; the CGI's LED change seen by the runner). Both run
// until stopped: each test stops its program with an AbortSignal.
import { readFileSync } from "node:fs";
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { join } from "node:path";
import type { TLSSocket } from "node:tls";
import { describe, expect, it, vi } from "vitest";

import { createNetwork } from "../../ts-bindings/src/network.js";
import { runPicoProgram } from "../../ts-bindings/src/pico/run.js";
import { EXAMPLES, FIRST_LEASE, HTTPS_HOST, PASSWORD, PLATFORMS, picoBuild, SSID, testPki } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

/** Starts a server program on a fresh network with one forward (`tcp:0:DEVICEPORT`); ready
 *  once it prints its "listening on" line. Disposing stops it. */
async function startServer(artifact: string, devicePort: number) {
  const network = await createNetwork({ device: false, forward: [`tcp:0:${devicePort}`] });
  const stop = new AbortController();
  const state = { out: "", leds: [] as boolean[] };
  let listening!: () => void;
  const ready = new Promise<void>((r) => (listening = r));
  const done = runPicoProgram(network, artifact, {
    ssid: SSID,
    password: PASSWORD,
    stdout: (t) => {
      state.out += t;
      if (state.out.includes(`listening on ${FIRST_LEASE}:${devicePort}`)) listening();
    },
    onLed: (on) => state.leds.push(on),
    signal: AbortSignal.any([stop.signal, AbortSignal.timeout(10 * 60_000)]),
  });
  const ended = done.then((r) => {
    throw new Error(`the program ended (exit ${r.exitCode}) while it should serve:\n${state.out}`);
  });
  ended.catch(() => {});
  await Promise.race([ready, ended]);
  return {
    port: network.forwards[0]!.hostPort,
    state,
    async [Symbol.asyncDispose]() {
      stop.abort();
      await expect(done).rejects.toMatchObject({ code: "ERR_ABORTED" });
      await network.close();
    },
  };
}

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  protocol?: string | null;
  cipher?: string;
  authorized?: boolean;
}

/** One GET on its own connection (no agent): the program's httpd answers HTTP/1.0 and
 *  closes. With `tls`, over node:https with those options. */
function get(port: number, path: string, tls?: RequestOptions): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const options = { host: "127.0.0.1", port, path, agent: false, headers: { host: tls ? HTTPS_HOST : FIRST_LEASE } };
    const info: Partial<Reply> = {};
    const req = tls ? httpsRequest({ ...options, ...tls }) : httpRequest(options);
    req.on("socket", (s) =>
      s.once("secureConnect", () => {
        const t = s as TLSSocket;
        Object.assign(info, { protocol: t.getProtocol(), cipher: t.getCipher().name, authorized: t.authorized });
      }),
    );
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ ...info, status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

describe.each(PLATFORMS)("Pico server programs, %s", (platform) => {
  it("https_server: lwIP's httpd over altcp_tls, its certificate verified by Node's HTTPS client", async () => {
    const pki = testPki();
    const [artifact] = await picoBuild("https_server", platform, ["https_server"], { TLS_CERT_FILE: pki.cert, TLS_KEY_FILE: pki.key });
    await using server = await startServer(artifact!, 443);
    const content = (name: string) => readFileSync(join(EXAMPLES, "https_server", "content", name));
    const tls: RequestOptions = { ca: readFileSync(pki.ca), servername: HTTPS_HOST }; // rejectUnauthorized stays true

    // The program's mbedtls_config.h enables TLS 1.3 beside 1.2: Node offers 1.3 and gets it.
    const page = await get(server.port, "/", tls);
    expect(page.authorized).toBe(true);
    expect(page.protocol).toBe("TLSv1.3");
    expect(page.status).toBe(200);
    expect(page.headers["content-type"]).toBe("text/html");
    expect(page.headers["content-length"]).toBe(String(content("index.html").length));
    expect(page.body.equals(content("index.html"))).toBe(true);

    // A TLS 1.2-only client still gets in (ECDHE, an AEAD suite).
    const css = await get(server.port, "/pico.css", { ...tls, maxVersion: "TLSv1.2" });
    expect(css.authorized).toBe(true);
    expect(css.protocol).toBe("TLSv1.2");
    expect(css.cipher).toMatch(/^ECDHE-ECDSA-(AES\d+-GCM-SHA\d+|CHACHA20-POLY1305)$/);
    expect(css.headers["content-type"]).toBe("text/css");
    expect(css.body.equals(content("pico.css"))).toBe(true);

    // Verification is on: without the test CA, or for another name, Node refuses the server.
    await expect(get(server.port, "/", { servername: HTTPS_HOST })).rejects.toMatchObject({ code: "UNABLE_TO_VERIFY_LEAF_SIGNATURE" });
    await expect(get(server.port, "/", { ...tls, servername: "other.test" })).rejects.toMatchObject({ code: "ERR_TLS_CERT_ALTNAME_INVALID" });

    // The refused handshakes left the server serving; a missing page gets the 404 page.
    const missing = await get(server.port, "/nothing-here", tls);
    expect(missing.status).toBe(404);
    expect(missing.body.equals(content("404.html"))).toBe(true);
  });

  it("httpd: SSI tags show live values, and the LED CGI switches the LED the runner sees", async () => {
    const [artifact] = await picoBuild("httpd", platform, ["httpd"]);
    await using server = await startServer(artifact!, 80);
    /** The page's live values, read from the spans the SSI tags fill. */
    const values = (r: Reply) => {
      const html = r.body.toString();
      const span = (id: string) => new RegExp(`<span id="${id}">([^<]*)</span>`).exec(html)?.[1];
      return { title: /<h1>([^<]*)<\/h1>/.exec(html)?.[1], uptime: span("uptime"), led: span("led"), hits: span("hits") };
    };

    const first = await get(server.port, "/");
    expect(first.status).toBe(200);
    expect(first.headers["content-type"]).toBe("text/html");
    expect(first.body.toString()).not.toContain("<!--#"); // every tag expanded
    const v1 = values(first);
    expect(v1).toMatchObject({ title: `Pico W at ${FIRST_LEASE}`, led: "off", hits: "1" });
    expect(v1.uptime).toMatch(/^\d+$/);

    const on = await get(server.port, "/led.cgi?led=1");
    expect(on.status).toBe(200);
    expect(values(on)).toMatchObject({ led: "on", hits: "2" });
    await expect.poll(() => server.state.leds).toEqual([true]);
    expect(server.state.out).toContain("LED on");

    const again = values(await get(server.port, "/index.shtml"));
    expect(again).toMatchObject({ led: "on", hits: "3" });
    expect(Number(again.uptime)).toBeGreaterThanOrEqual(Number(v1.uptime));

    const off = await get(server.port, "/led.cgi?led=0");
    expect(values(off)).toMatchObject({ led: "off", hits: "4" });
    await expect.poll(() => server.state.leds).toEqual([true, false]);

    // A value the CGI does not know changes nothing and gets the 404 page.
    const bad = await get(server.port, "/led.cgi?led=blink");
    expect(bad.status).toBe(404);
    expect(bad.body.equals(readFileSync(join(EXAMPLES, "httpd", "content", "404.html")))).toBe(true);
    expect(values(await get(server.port, "/"))).toMatchObject({ led: "off", hits: "5" });
    expect(server.state.leds).toEqual([true, false]);

    const css = await get(server.port, "/pico.css");
    expect(css.headers["content-type"]).toBe("text/css");
    expect(css.body.equals(readFileSync(join(EXAMPLES, "httpd", "content", "pico.css")))).toBe(true);
  });
});

describe("Pico server programs' build", () => {
  it("https_server without its certificate stops at configure, saying which -D to give", async () => {
    const e = await picoBuild("https_server", "native", ["https_server"]).catch((x: unknown) => x);
    expect(e).toMatchObject({ code: "ERR_PICO_BUILD" });
    expect((e as Error).message).toContain("https_server needs its certificate and key: -D TLS_CERT_FILE=<cert.pem>");
  });
});
