// lwip-https as a curl user expects it: each point of issue #11, run as a child process
// against local servers (node:https with certificates from test/helpers/pki).
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
let root: Cert;
let caFile: string;
let server: Server;
let port: number;
const servers: Server[] = [];

async function serve(cert: Cert, options: { minVersion?: "TLSv1.3" } = {}): Promise<{ server: Server; port: number }> {
  const s = createHttpsServer({ cert: cert.chainPem, key: cert.keyPem, ...options }, (req, res) => {
    switch (req.url) {
      case "/redirect":
        res.writeHead(302, { location: "/hello" });
        res.end();
        return;
      default:
        res.end(`hello ${req.url} (${req.headers.host})\n`);
    }
  });
  await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
  servers.push(s);
  return { server: s, port: (s.address() as AddressInfo).port };
}

beforeAll(async () => {
  pki = new Pki();
  dir = mkdtempSync(join(tmpdir(), "lmw-curl-"));
  root = pki.issue({ cn: "Curl Root", ca: true });
  caFile = join(dir, "ca.pem");
  writeFileSync(caFile, root.certPem);
  ({ server, port } = await serve(pki.issue({ cn: "localhost", san: ["localhost", "pico.test"], issuer: root })));
});

afterAll(() => {
  for (const s of servers) {
    s.closeAllConnections();
    s.close();
  }
  pki.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe("6. the missing flags", () => {
  it("--resolve sends a made-up name to 127.0.0.1; --connect-to sends host:443 to the local port", async () => {
    const resolved = await runCli(["--cacert", caFile, "--resolve", `pico.test:${port}:127.0.0.1`, `https://pico.test:${port}/r`]);
    expect([resolved.code, resolved.err, resolved.text]).toEqual([0, "", `hello /r (pico.test:${port})\n`]);
    const moved = await runCli(["-v", "--cacert", caFile, "--connect-to", `pico.test:443:localhost:${port}`, "https://pico.test/c"]);
    expect(moved.code).toBe(0);
    expect(moved.text).toBe("hello /c (pico.test)\n");
    expect(moved.err).toMatch(/^\* Connecting pico\.test:443 to localhost:\d+ \(--connect-to\)$/m);
    const bad = await runCli(["--resolve", "pico.test:443", "https://pico.test/"]);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/^lwip-https: --resolve "pico\.test:443": want HOST:PORT:ADDRESS/m);
  });
});
