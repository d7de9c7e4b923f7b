// lwip-https as a curl user expects it: each point of issue #11, run as a child process
// against local servers (node:https with certificates from test/helpers/pki).
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Pki, type Cert } from "../helpers/pki.js";
import { runCli } from "./run.js";

let pki: Pki;
let dir: string;
let caFile: string;
let base: string;
let port: number;
let expiredPort: number;
let tls13Port: number;
const servers: Server[] = [];
const PNG = Buffer.from("89504e470d0a1a0a0000000d4948445200000001000000010806000000", "hex");

async function serve(cert: Cert, options: { minVersion?: "TLSv1.3" } = {}): Promise<number> {
  const s = createHttpsServer({ cert: cert.chainPem, key: cert.keyPem, ...options }, (req, res) => {
    switch (req.url) {
      case "/redirect":
        res.writeHead(302, { Location: "/hello" });
        res.end();
        return;
      case "/loop":
        res.writeHead(302, { Location: "/loop" });
        res.end();
        return;
      case "/png":
        res.writeHead(200, { "Content-Type": "image/png" });
        res.end(PNG);
        return;
      case "/headers":
        // Neither sorted nor lower case: the order and case the server chose.
        res.setHeader("X-Zeta", "z");
        res.setHeader("Content-Type", "text/plain");
        res.setHeader("X-Alpha", "a");
        res.end("headers\n");
        return;
      case "/echo":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify(req.headers));
        return;
      default:
        res.end(`hello ${req.url} (${req.headers.host})\n`);
    }
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

beforeAll(async () => {
  pki = new Pki();
  dir = mkdtempSync(join(tmpdir(), "lmw-curl-"));
  const root = pki.issue({ cn: "Curl Root", ca: true });
  const mid = pki.issue({ cn: "Curl Mid", ca: true, issuer: root });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, root.certPem);
  const leaf = pki.issue({ cn: "localhost", san: ["localhost", "pico.test"], issuer: mid });
  port = await serve(leaf);
  base = `https://localhost:${port}`;
  const day = 24 * 3600e3;
  expiredPort = await serve(pki.issue({ cn: "localhost", san: ["localhost"], issuer: mid, notBefore: new Date(Date.now() - 30 * day), notAfter: new Date(Date.now() - day) }));
  tls13Port = await serve(leaf, { minVersion: "TLSv1.3" });
});

afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  pki.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("1. -v on a certificate failure", () => {
  it("shows the chain received, each certificate's subject, issuer and validity, and the check that failed (expired)", async () => {
    const r = await runCli(["-v", "--cacert", caFile, `https://localhost:${expiredPort}/`]);
    expect(r.code).toBe(60);
    expect(r.err).toMatch(/^\* Trying localhost:\d+\.\.\.$/m);
    expect(r.err).toMatch(/^\* Connected to localhost \(198\.1[89]\.\d+\.\d+:\d+\) from 10\.0\.2\.15:\d+$/m);
    expect(r.err).toMatch(/^\* Server certificate chain \(as received\):$/m);
    // The leaf: expired; the intermediate: fine; the anchor from --cacert: fine.
    expect(r.err).toMatch(/^\* +0 subject: CN=localhost\n\* +issuer: +CN=Curl Mid\n\* +valid: +\d{4}-\d\d-\d\dT[\d:]+Z \.\. \d{4}-\d\d-\d\dT[\d:]+Z\n\* +check: +FAILED: expired$/m);
    expect(r.err).toMatch(/^\* +1 subject: CN=Curl Mid\n\* +issuer: +CN=Curl Root\n.*\n\* +check: +ok$/m);
    expect(r.err).toMatch(/^\* +trust anchor \(our CA set\): CN=Curl Root$/m);
    expect(r.err).toMatch(/^lwip-https: ERR_TLS_CERT_EXPIRED: /m);
  });

  it("names the failed check for a wrong name and for an unknown issuer", async () => {
    const name = await runCli(["-v", "--cacert", caFile, `https://127.0.0.1:${port}/`]);
    expect(name.code).toBe(60);
    expect(name.err).toMatch(/^\* +0 subject: CN=localhost\n(\* .*\n){2}\* +check: +FAILED: name: does not match the host$/m);
    const issuer = await runCli(["-v", `${base}/`]);
    expect(issuer.code).toBe(60);
    expect(issuer.err).toMatch(/^\* +check: +FAILED: issuer: not signed by a trusted CA$/m);
    expect(issuer.err).toMatch(/^lwip-https: ERR_TLS_CERT_UNTRUSTED: /m);
  });
});

describe("2. -L -v shows every hop's response head", () => {
  it("prints the 302 head, the hop, and the final head; -i -L prints both heads", async () => {
    const r = await runCli(["-L", "-v", "--cacert", caFile, `${base}/redirect`]);
    expect(r.code).toBe(0);
    const lines = r.err.split("\n");
    const at = (re: RegExp) => lines.findIndex((l) => re.test(l));
    const order = [/^> GET \/redirect HTTP\/1\.1/, /^< HTTP\/1\.1 302 Found/, /^< Location: \/hello/, /^\* Issue another request to this URL: 'https:\/\/localhost:\d+\/hello'/, /^> GET \/hello HTTP\/1\.1/, /^< HTTP\/1\.1 200 OK/].map(at);
    expect(order.every((i) => i >= 0)).toBe(true);
    expect([...order].sort((a, b) => a - b)).toEqual(order);
    const i = await runCli(["-i", "-L", "--cacert", caFile, `${base}/redirect`]);
    expect(i.text).toMatch(/^HTTP\/1\.1 302 Found\r\nLocation: \/hello\r\n[\s\S]*\r\n\r\nHTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello \/hello/);
  });
});

describe("3. TLS alerts are named", () => {
  it("--tls-max 1.2 against a TLS 1.3-only server: protocol_version (70) and what it likely means", async () => {
    const r = await runCli(["-v", "--cacert", caFile, "--tls-max", "1.2", `https://localhost:${tls13Port}/`]);
    expect(r.code).toBe(35);
    expect(r.err).toMatch(/^\* TLS alert received: protocol_version \(70\): the server does not speak any TLS version we offered/m);
    expect(r.err).toMatch(/^lwip-https: ERR_TLS_HANDSHAKE_FAILED: TLS handshake failed \(localhost\): the server sent the fatal alert protocol_version \(70\): /m);
    expect(r.err).not.toMatch(/FATAL_ALERT_MESSAGE/);
  });
});

describe("4. binary output and a terminal", () => {
  it("refuses to print binary to a terminal (exit 23) unless --output - is given; a pipe gets the bytes", async () => {
    const tty = await runCli(["--cacert", caFile, `${base}/png`], { tty: true });
    expect(tty.code).toBe(23);
    expect(tty.text).toMatch(/Binary output can mess up your terminal\. Use "--output -" to tell lwip-https to output it/);
    expect(tty.text).not.toContain("PNG");
    const forced = await runCli(["--cacert", caFile, "--output", "-", `${base}/png`], { tty: true });
    expect(forced.code).toBe(0);
    expect(forced.text).toContain("PNG");
    const pipe = await runCli(["--cacert", caFile, `${base}/png`]);
    expect([pipe.code, pipe.out.equals(PNG)]).toEqual([0, true]);
  });
});

describe("5. the -k warning", () => {
  it("names -k in the CLI's words, is hidden by -s, and is given for --c-client too", async () => {
    const warning = /^lwip-https: warning: -k: the server's certificate is not verified; anyone on the path can read and change this traffic$/m;
    const k = await runCli(["-k", `${base}/hello`]);
    expect(k.code).toBe(0);
    expect(k.err).toMatch(warning);
    expect(k.err).not.toMatch(/lwip-mbedtls-wasm:|dangerouslySkipVerification/);
    const silent = await runCli(["-s", "-k", `${base}/hello`]);
    expect([silent.code, silent.err]).toEqual([0, ""]);
    const c = await runCli(["--c-client", "-k", `${base}/hello`]);
    expect(c.code).toBe(0);
    expect(c.err).toMatch(warning);
  });
});

describe("6. the missing flags", () => {
  it("-w prints curl's variables after the transfer, also after a failure", async () => {
    const r = await runCli(["-sL", "-o", join(dir, "w.out"), "--cacert", caFile, "-w",
      "%{http_code} %{num_redirects} %{url_effective} %{content_type}|%header{content-length}|%{exitcode}\\n", `${base}/redirect`]);
    expect(r.code).toBe(0);
    expect(r.text).toBe(`200 1 ${base}/hello |${`hello /hello (localhost:${port})\n`.length}|0\n`);
    // A fresh connection: every phase happened, each ends after the one before.
    const timed = await runCli(["-s", "-o", join(dir, "w.out"), "--cacert", caFile, "-w",
      "%{time_namelookup} %{time_connect} %{time_appconnect} %{time_starttransfer} %{time_total}", `${base}/hello`]);
    const t = timed.text.split(" ").map(Number);
    expect(t).toHaveLength(5);
    expect(t.every((x) => Number.isFinite(x) && x > 0)).toBe(true);
    expect([...t].sort((a, b) => a - b)).toEqual(t);
    const failed = await runCli(["-s", "-w", "%{http_code} %{exitcode} %{errormsg}", `https://localhost:${expiredPort}/`]);
    expect(failed.code).toBe(60);
    expect(failed.text).toMatch(/^000 60 the server's certificate/);
  });

  it("-A sets the User-Agent and -u sends Basic authentication", async () => {
    const r = await runCli(["-A", "curl-ish/1.0", "-u", "ana:s3cret:x", "--cacert", caFile, `${base}/echo`]);
    expect(r.code).toBe(0);
    const h = JSON.parse(r.text) as Record<string, string>;
    expect(h["user-agent"]).toBe("curl-ish/1.0");
    expect(h.authorization).toBe(`Basic ${Buffer.from("ana:s3cret:x").toString("base64")}`);
  });

  it("--max-redirs stops a redirect loop with curl's exit 47", async () => {
    const r = await runCli(["-L", "--max-redirs", "2", "--cacert", caFile, `${base}/loop`]);
    expect(r.code).toBe(47);
    expect(r.err).toMatch(/^lwip-https: ERR_HTTP_TOO_MANY_REDIRECTS: more than 2 redirects$/m);
  });

  it("-i works with --c-client", async () => {
    const r = await runCli(["--c-client", "-i", "--cacert", caFile, `${base}/hello`]);
    expect(r.code).toBe(0);
    expect(r.text).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nhello \/hello/);
  });

  it("--resolve sends a made-up name to 127.0.0.1; --connect-to sends host:443 to the local port", async () => {
    const resolved = await runCli(["--cacert", caFile, "--resolve", `pico.test:${port}:127.0.0.1`, `https://pico.test:${port}/r`]);
    expect([resolved.code, resolved.err, resolved.text]).toEqual([0, "", `hello /r (pico.test:${port})\n`]);
    const viaC = await runCli(["--c-client", "--cacert", caFile, "--resolve", `pico.test:${port}:127.0.0.1`, `https://pico.test:${port}/rc`]);
    expect([viaC.code, viaC.err, viaC.text]).toEqual([0, "", `hello /rc (pico.test:${port})\n`]);
    const moved = await runCli(["-v", "--cacert", caFile, "--connect-to", `pico.test:443:localhost:${port}`, "https://pico.test/c"]);
    expect(moved.code).toBe(0);
    expect(moved.text).toBe("hello /c (pico.test)\n");
    expect(moved.err).toMatch(/^\* Connecting pico\.test:443 to localhost:\d+ \(--connect-to\)$/m);
    const bad = await runCli(["--resolve", "pico.test:443", "https://pico.test/"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^lwip-https: --resolve "pico\.test:443": want HOST:PORT:ADDRESS/m);
  });
});

describe("7. unknown options", () => {
  it("are reported in curl's words, with a pointer to --help", async () => {
    const r = await runCli(["--bogus", base]);
    expect(r.code).toBe(2);
    expect(r.err).toBe("lwip-https: option --bogus: is unknown\nlwip-https: try 'lwip-https --help' for more information\n");
    const missing = await runCli([base, "-o"]);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/^lwip-https: option --output: requires parameter\n/);
  });
});

describe("8. headers as the server sent them", () => {
  it("fetch and --c-client both keep the server's order and case", async () => {
    const custom = (text: string) => text.split("\r\n").filter((l) => /^(x-zeta|content-type|x-alpha):/i.test(l));
    const viaFetch = await runCli(["-i", "--cacert", caFile, `${base}/headers`]);
    const viaC = await runCli(["--c-client", "-i", "--cacert", caFile, `${base}/headers`]);
    expect(custom(viaFetch.text)).toEqual(["X-Zeta: z", "Content-Type: text/plain", "X-Alpha: a"]);
    expect(custom(viaC.text)).toEqual(custom(viaFetch.text));
  });
});

describe("9. --c-client names only the flags given", () => {
  it("-I is reported as -I, not as -X", async () => {
    const r = await runCli(["--c-client", "-I", base]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/^lwip-https: --c-client runs the C client's plain GET; it does not take -I\n/);
  });
});

describe("10. an up-to-date set-up is silent", () => {
  it("node scripts/bootstrap.mjs prints nothing and starts no build when nothing changed", async () => {
    const bootstrap = () => new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, ["scripts/bootstrap.mjs"], { stdio: ["ignore", "pipe", "pipe"] });
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.stderr.on("data", (d: Buffer) => (out += d.toString()));
      child.once("close", (code) => resolve({ code, out }));
    });
    // Up to date already after npm test's own set-up (it stamps the plain set-up too); if
    // an input changed since, this first run rebuilds it.
    expect((await bootstrap()).code).toBe(0);
    expect(await bootstrap()).toEqual({ code: 0, out: "" });
  }, 600_000);
});
