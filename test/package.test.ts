// The published form works: `npm pack`, installed into a fresh project, imports through
// the exports map, runs fetch and the C client, and its bins start.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "lmw-consumer-"));
  execFileSync("npm", ["pack", "--pack-destination", dir], { cwd: resolve("."), stdio: "pipe" });
  const tarball = readdirSync(dir).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "consumer", private: true, type: "module" }));
  execFileSync("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `./${tarball}`], { cwd: dir, stdio: "pipe" });
}, 120_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("imports from the package name, fetches and runs the C client", () => {
  writeFileSync(join(dir, "try.mjs"), `
    import { createServer } from "node:https";
    import { createNetwork, createTestCa, runCClient, VERSION } from "lwip-mbedtls-wasm";
    const { ca, leaf } = createTestCa({ dnsNames: ["localhost"] });
    const server = createServer({ cert: leaf.certPem, key: leaf.keyPem }, (_q, res) => res.end("from the package"));
    await new Promise((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address();
    const net = await createNetwork({ tls: { ca: ca.certPem } });
    const r = await net.fetch("https://localhost:" + port + "/");
    const c = await runCClient(net, "https://localhost:" + port + "/", { ca: ca.certPem });
    console.log(VERSION, r.status, await r.text(), c.status, new TextDecoder().decode(c.body));
    await net.close();
    server.close();
  `);
  const out = execFileSync(process.execPath, ["try.mjs"], { cwd: dir, encoding: "utf8", timeout: 60_000 });
  expect(out.trim()).toMatch(/^\d+\.\d+\.\d+ 200 from the package 200 from the package$/);
});

it("installs the lwip-https and lwip-shim commands", () => {
  expect(execFileSync(join(dir, "node_modules", ".bin", "lwip-https"), ["--version"], { encoding: "utf8" })).toMatch(/lwIP 2\.2\.1, Mbed TLS 3\.6\.7/);
  expect(execFileSync(join(dir, "node_modules", ".bin", "lwip-shim"), ["--help"], { encoding: "utf8" })).toMatch(/Wisp v1 server/);
});
