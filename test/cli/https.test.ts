// lwip-https against real node:https servers on 127.0.0.1 (certificates from test/helpers/pki),
// run in process through main() and, once, as a child process.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server } from "node:https";
import { createServer as createNetServer, type AddressInfo, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../../ts-bindings/src/cli/https.js";
import { Pki } from "../helpers/pki.js";
import { runCli } from "./run.js";

let pki: Pki;
let dir: string;
let caFile: string;
let server: Server;
let tls13: Server;
let mute: ReturnType<typeof createNetServer>;
const held: Socket[] = [];
let base: string;
let port13: number;
let mutePort: number;
let closedPort: number;
const big = Buffer.alloc(3 * 1024 * 1024);
for (let i = 0; i < big.length; i++) big[i] = (i * 7 + (i >> 11)) & 255;

const listen = (s: Server | ReturnType<typeof createNetServer>) =>
  new Promise<number>((r) => s.listen(0, "127.0.0.1", () => r((s.address() as AddressInfo).port)));

beforeAll(async () => {
  pki = new Pki();
  dir = mkdtempSync(join(tmpdir(), "lmw-cli-"));
  const root = pki.issue({ cn: "CLI Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, root.certPem);
  server = createHttpsServer({ cert: leaf.chainPem, key: leaf.keyPem }, async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    switch (req.url) {
      case "/echo":
        res.setHeader("content-type", "application/json");
        res.end(JSON.stringify({ method: req.method, body: Buffer.concat(chunks).toString(), headers: req.headers }));
        return;
      case "/redirect":
        res.writeHead(302, { location: "/hello" });
        res.end();
        return;
      case "/missing":
        res.writeHead(404, { "content-type": "text/plain" });
        res.end("not here");
        return;
      case "/big":
        res.setHeader("content-length", big.length);
        res.end(big);
        return;
      default:
        res.end(`hello ${req.url}\n`);
    }
  });
  base = `https://localhost:${await listen(server)}`;
  tls13 = createHttpsServer({ cert: leaf.chainPem, key: leaf.keyPem, minVersion: "TLSv1.3" }, (_q, r) => r.end("1.3 only"));
  port13 = await listen(tls13);
  mute = createNetServer((s) => {
    s.on("error", () => {}); // the stack resets it when the CLI gives up
    held.push(s);
  }); // accepts, never answers
  mutePort = await listen(mute);
  const gone = createNetServer();
  closedPort = await listen(gone);
  await new Promise<void>((r) => gone.close(() => r()));
});

afterAll(() => {
  for (const s of held) s.destroy();
  mute.close();
  server.closeAllConnections();
  server.close();
  tls13.close();
  pki.dispose();
  rmSync(dir, { recursive: true, force: true });
});

class Sink extends Writable {
  chunks: Buffer[] = [];
  isTTY: boolean;
  columns = 80;
  constructor(options: { tty?: boolean; highWaterMark?: number; slow?: boolean } = {}) {
    super({
      highWaterMark: options.highWaterMark,
      write: (chunk: Buffer, _enc, cb) => {
        this.chunks.push(Buffer.from(chunk));
        if (options.slow) setImmediate(cb);
        else cb();
      },
    });
    this.isTTY = options.tty ?? false;
  }
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }
  text(): string {
    return this.bytes().toString();
  }
}

async function cli(args: string[], options: { stdout?: Sink; stderr?: Sink } = {}) {
  const stdout = options.stdout ?? new Sink();
  const stderr = options.stderr ?? new Sink();
  const code = await main(args, { stdout, stderr });
  return { code, out: stdout.text(), err: stderr.text(), stdout, stderr };
}

describe("lwip-https in process", () => {
  it("prints the body to stdout and exits 0", async () => {
    const r = await cli(["--cacert", caFile, `${base}/hello`]);
    expect(r.err).toBe("");
    expect(r.out).toBe("hello /hello\n");
    expect(r.code).toBe(0);
  });

  it("writes the body to a file with -o, byte for byte", async () => {
    const file = join(dir, "big.bin");
    const r = await cli(["--cacert", caFile, "-s", "-o", file, `${base}/big`]);
    expect(r.code).toBe(0);
    expect(r.out).toBe("");
    expect(readFileSync(file).equals(big)).toBe(true);
  });

  it("honours backpressure on stdout (the body is streamed, not buffered)", async () => {
    const stdout = new Sink({ highWaterMark: 16 * 1024, slow: true });
    let most = 0;
    const write = stdout.write.bind(stdout);
    stdout.write = ((chunk: Buffer, ...rest: never[]) => {
      const ok = write(chunk, ...rest);
      most = Math.max(most, stdout.writableLength);
      return ok;
    }) as typeof stdout.write;
    const r = await cli(["--cacert", caFile, `${base}/big`], { stdout });
    expect(r.code).toBe(0);
    expect(stdout.bytes().equals(big)).toBe(true);
    expect(most).toBeLessThan(512 * 1024); // never the whole 3 MB queued
  });

  it("-v shows the address, TLS version, suite, chain, headers and timings", async () => {
    const r = await cli(["-v", "--cacert", caFile, `${base}/hello`]);
    expect(r.code).toBe(0);
    expect(r.err).toMatch(/^\* Resolved localhost to 198\.1[89]\.\d+\.\d+/m);
    expect(r.err).toMatch(/^\* TLS TLSv1\.3, TLS1-3-[A-Z0-9-]+, ALPN: http\/1\.1$/m);
    expect(r.err).toMatch(/^\* +0 subject: CN=localhost$/m);
    expect(r.err).toMatch(/^\* +issuer: +CN=CLI Root$/m);
    expect(r.err).toMatch(/^> GET \/hello HTTP\/1\.1$/m);
    expect(r.err).toMatch(/^< HTTP\/1\.1 200 OK$/m);
    for (const phase of ["DNS lookup", "TCP connect", "TLS handshake", "first byte", "total"]) {
      expect(r.err).toMatch(new RegExp(`^\\* ${phase}: +\\d+\\.\\d ms$`, "m"));
    }
    expect(r.out).toBe("hello /hello\n");
  });

  it("-X POST -d sends a form body; -H is repeatable", async () => {
    const r = await cli(["--cacert", caFile, "-X", "POST", "-d", "a=1", "-d", "b=2", "-H", "X-One: 1", "-H", "X-Two: 2", `${base}/echo`]);
    expect(r.code).toBe(0);
    const echo = JSON.parse(r.out) as { method: string; body: string; headers: Record<string, string> };
    expect(echo.method).toBe("POST");
    expect(echo.body).toBe("a=1&b=2");
    expect(echo.headers["content-type"]).toBe("application/x-www-form-urlencoded");
    expect(echo.headers["x-one"]).toBe("1");
    expect(echo.headers["x-two"]).toBe("2");
  });

  it("-d @file reads the file; -H Content-Type wins over the default", async () => {
    const file = join(dir, "body.json");
    writeFileSync(file, '{"k":1}');
    const r = await cli(["--cacert", caFile, "-d", `@${file}`, "-H", "Content-Type: application/json", `${base}/echo`]);
    const echo = JSON.parse(r.out) as { method: string; body: string; headers: Record<string, string> };
    expect([echo.method, echo.body, echo.headers["content-type"]]).toEqual(["POST", '{"k":1}', "application/json"]);
  });

  it("without -L prints the 3xx; with -L follows it", async () => {
    const manual = await cli(["--cacert", caFile, "-i", `${base}/redirect`]);
    expect(manual.code).toBe(0);
    expect(manual.out).toMatch(/^HTTP\/1\.1 302 Found\r\n/);
    expect(manual.out).toMatch(/\r\nlocation: \/hello\r\n/);
    const follow = await cli(["--cacert", caFile, "-L", `${base}/redirect`]);
    expect(follow.code).toBe(0);
    expect(follow.out).toBe("hello /hello\n");
  });

  it("-I prints the head of a HEAD request", async () => {
    const r = await cli(["--cacert", caFile, "-I", `${base}/hello`]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\n$/);
  });

  it("a 404 is success without --fail and exit 22 with it", async () => {
    const plain = await cli(["--cacert", caFile, `${base}/missing`]);
    expect([plain.code, plain.out]).toEqual([0, "not here"]);
    const fail = await cli(["--cacert", caFile, "--fail", `${base}/missing`]);
    expect(fail.code).toBe(22);
    expect(fail.out).toBe("");
    expect(fail.err).toMatch(/^lwip-https: ERR_HTTP_STATUS: .*404/);
  });

  it("exit 6 for a name nobody can resolve; -s hides the message, -sS shows it", async () => {
    const r = await cli(["https://no-such-host.invalid/"]);
    expect(r.code).toBe(6);
    expect(r.err).toMatch(/^lwip-https: ERR_DNS_NOT_FOUND: /);
    const quiet = await cli(["-s", "https://no-such-host.invalid/"]);
    expect([quiet.code, quiet.err]).toEqual([6, ""]);
    const shown = await cli(["-sS", "https://no-such-host.invalid/"]);
    expect(shown.err).toMatch(/^lwip-https: ERR_DNS_NOT_FOUND: /);
  });

  it("exit 7 for a closed port", async () => {
    const r = await cli(["--cacert", caFile, `https://localhost:${closedPort}/`]);
    expect(r.code).toBe(7);
    expect(r.err).toMatch(/^lwip-https: ERR_CONNECTION_REFUSED: /);
  });

  it("exit 28 when -m or --connect-timeout runs out (a server that accepts and never answers)", async () => {
    const r = await cli(["--cacert", caFile, "-m", "1", `https://localhost:${mutePort}/`]);
    expect(r.code).toBe(28);
    expect(r.err).toMatch(/^lwip-https: ERR_TIMEOUT_\w+: /);
    const c = await cli(["--cacert", caFile, "--connect-timeout", "0.5", `https://localhost:${mutePort}/`]);
    expect(c.code).toBe(28);
  });

  it("exit 35 for a TLS version mismatch (--tls-max 1.2 against a TLS 1.3-only server)", async () => {
    const r = await cli(["--cacert", caFile, "--tls-max", "1.2", `https://localhost:${port13}/`]);
    expect(r.code).toBe(35);
    expect(r.err).toMatch(/^lwip-https: ERR_TLS_HANDSHAKE_FAILED: /);
    const ok = await cli(["--cacert", caFile, "--tls-min", "1.3", `https://localhost:${port13}/`]);
    expect([ok.code, ok.out]).toEqual([0, "1.3 only"]);
  });

  it("exit 60 for an untrusted certificate and for a wrong name; 0 with -k", async () => {
    const untrusted = await cli([`${base}/hello`]);
    expect(untrusted.code).toBe(60);
    expect(untrusted.err).toMatch(/^lwip-https: ERR_TLS_CERT_UNTRUSTED: /);
    const wrongName = await cli(["--cacert", caFile, `${base.replace("localhost", "127.0.0.1")}/hello`]);
    expect(wrongName.code).toBe(60);
    expect(wrongName.err).toMatch(/^lwip-https: ERR_TLS_HOSTNAME_MISMATCH: /);
    for (const url of [`${base}/hello`, `${base.replace("localhost", "127.0.0.1")}/hello`]) {
      const insecure = await cli(["-k", url]);
      expect([insecure.code, insecure.out]).toEqual([0, "hello /hello\n"]);
    }
  });

  it("--c-client returns the same body as fetch", async () => {
    const viaFetch = await cli(["--cacert", caFile, "-o", join(dir, "f.bin"), `${base}/big`]);
    const viaC = await cli(["--cacert", caFile, "--c-client", "-o", join(dir, "c.bin"), `${base}/big`]);
    expect([viaFetch.code, viaC.code]).toEqual([0, 0]);
    expect(readFileSync(join(dir, "c.bin")).equals(readFileSync(join(dir, "f.bin")))).toBe(true);
    expect(readFileSync(join(dir, "c.bin")).equals(big)).toBe(true);
    const untrusted = await cli(["--c-client", `${base}/hello`]);
    expect(untrusted.code).toBe(60);
  });

  it("--pcap and --keylog write a capture and the key log", async () => {
    const pcap = join(dir, "out.pcap");
    const keylog = join(dir, "keys.log");
    const r = await cli(["--cacert", caFile, "--pcap", pcap, "--keylog", keylog, `${base}/hello`]);
    expect(r.code).toBe(0);
    const cap = readFileSync(pcap);
    expect(cap.readUInt32LE(0)).toBe(0xa1b2c3d4);
    expect(cap.length).toBeGreaterThan(24 + 16 * 6);
    expect(readFileSync(keylog, "utf8")).toMatch(/^CLIENT_HANDSHAKE_TRAFFIC_SECRET [0-9a-f]{64} [0-9a-f]+$/m);
  });

  it("usage errors exit 2; --help documents the exit codes", async () => {
    expect((await cli(["--nope", base])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(["--tls-max", "1.1", base])).code).toBe(2);
    expect((await cli(["-H", "no colon", base])).code).toBe(2);
    expect((await cli(["--c-client", "-d", "x", base])).code).toBe(2);
    const help = await cli(["--help"]);
    expect(help.code).toBe(0);
    for (const n of [6, 7, 22, 28, 35, 60]) expect(help.out).toMatch(new RegExp(`^ +${n}  `, "m"));
  });
});

describe("lwip-https as a child process", () => {
  it("prints the body, and reports errors on stderr with curl's exit code", async () => {
    const [ok, bad] = await Promise.all([runCli(["--cacert", caFile, `${base}/child`]), runCli([`${base}/child`])]);
    expect([ok.code, ok.text, ok.err]).toEqual([0, "hello /child\n", ""]);
    expect(bad.code).toBe(60);
    expect(bad.err).toMatch(/^lwip-https: ERR_TLS_CERT_UNTRUSTED: /);
  });
});
