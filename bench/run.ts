// `npm run bench`: the numbers the README reports, measured in one run on this machine.
//   - WASM module size, raw and gzipped;
//   - instantiate time in Node (from the compiled module, as each stack does);
//   - a 20 MB HTTPS download through the stack (device lwIP + Mbed TLS -> router -> Node
//     dialer) next to Node's own https client, with handshake times and suites;
//   - the shim's relay throughput (bench/shim-relay.ts), when present.
// Timed here, never in tests: the machines are shared and noisy; take the median of runs.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { get as httpsGet, createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { TLSSocket } from "node:tls";
import { gzipSync } from "node:zlib";
import { createNetwork } from "../ts-bindings/src/network.js";
import { moduleSource } from "../ts-bindings/src/ffi/module.js";
import { Stack } from "../ts-bindings/src/device/stack.js";
import { Pki } from "../test/helpers/pki.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const SIZE = 20 * 1024 * 1024;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (bytes: number, ms: number) => bytes / 1e6 / (ms / 1000);

function sizes(): void {
  const wasm = readFileSync(new URL("../ts-bindings/wasm/lmw.wasm", import.meta.url));
  const glue = readFileSync(new URL("../ts-bindings/wasm/lmw.js", import.meta.url));
  console.log(`WASM module: ${(wasm.length / 1024).toFixed(1)} KiB raw, ${(gzipSync(wasm, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped` +
    ` (glue ${(glue.length / 1024).toFixed(1)} KiB, ${(gzipSync(glue, { level: 9 }).length / 1024).toFixed(1)} KiB gzipped)`);
}

async function instantiate(): Promise<void> {
  const t0 = performance.now();
  await moduleSource();
  const compile = performance.now() - t0;
  const times: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    const s = await Stack.create();
    times.push(performance.now() - t);
    s.dispose();
  }
  console.log(`Compile (once per process): ${compile.toFixed(1)} ms; instantiate + lwip_init + psa_crypto_init: median ${median(times).toFixed(2)} ms of 20`);
}

async function download(honorClientOrder: boolean): Promise<void> {
  console.log(honorClientOrder
    ? "-- server honours the client's suite order (ours prefers ChaCha20-Poly1305):"
    : "-- server picks its own suite order (Node's default: AES-256-GCM first):");
  const pki = new Pki();
  const root = pki.issue({ cn: "Bench Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
  const body = Buffer.alloc(SIZE, 7);
  const server: Server = createServer({ cert: leaf.chainPem, key: leaf.keyPem, honorCipherOrder: !honorClientOrder }, (_req, res) => {
    res.setHeader("content-length", body.length);
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `https://localhost:${(server.address() as AddressInfo).port}/`;

  const ours: { ms: number; hs: number; suite: string }[] = [];
  const node: { ms: number; hs: number; suite: string }[] = [];
  for (let run = 0; run < RUNS; run++) {
    {
      const net = await createNetwork({ tls: { ca: root.certPem } });
      let hs = 0;
      let suite = "";
      const t0 = performance.now();
      const r = await net.fetch(url, {
        onTiming: (t: { connected: number; connectStart: number }) => (hs = t.connected - t.connectStart),
      } as RequestInit);
      const reader = r.body!.getReader();
      let n = 0;
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        n += value.length;
      }
      const ms = performance.now() - t0;
      if (n !== SIZE) throw new Error(`short body: ${n}`);
      const s = await net.connectTls({ host: "localhost", port: Number(new URL(url).port) });
      suite = `${s.info?.tls?.version} ${s.info?.tls?.cipherSuite}`;
      await s.close();
      ours.push({ ms, hs, suite });
      await net.close();
    }
    {
      const t0 = performance.now();
      let hs = 0;
      let suite = "";
      await new Promise<void>((resolve, reject) => {
        const req = httpsGet(url, { ca: root.certPem, agent: false }, (res) => {
          let n = 0;
          res.on("data", (c: Buffer) => (n += c.length));
          res.on("end", () => (n === SIZE ? resolve() : reject(new Error("short"))));
        });
        req.on("socket", (sock: TLSSocket) => {
          const c0 = performance.now();
          sock.once("secureConnect", () => {
            hs = performance.now() - c0;
            suite = `${sock.getProtocol()} ${sock.getCipher().standardName}`;
          });
        });
        req.on("error", reject);
      });
      node.push({ ms: performance.now() - t0, hs, suite });
    }
  }
  server.close();
  pki.dispose();
  const report = (name: string, xs: typeof ours) => {
    const ms = median(xs.map((x) => x.ms));
    console.log(`${name}: ${mb(SIZE, ms).toFixed(1)} MB/s (median of ${xs.length}: ${ms.toFixed(0)} ms for 20 MB); ` +
      `DNS+connect+handshake median ${median(xs.map((x) => x.hs)).toFixed(1)} ms; ${xs[0]!.suite}`);
  };
  report("Through the stack (lwIP + Mbed TLS in WASM, router, Node dialer)", ours);
  report("Node's own https client                                        ", node);
}

sizes();
await instantiate();
await download(false);
await download(true);
const relay = new URL("./shim-relay.ts", import.meta.url);
if (existsSync(relay)) {
  spawnSync(process.execPath, ["--import", "tsx", relay.pathname], { stdio: "inherit" });
}
const pico = new URL("./pico.ts", import.meta.url);
if (existsSync(pico)) {
  spawnSync(process.execPath, ["--import", "tsx", pico.pathname], { stdio: "inherit" });
}
