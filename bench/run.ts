// `npm run bench`: one table of the ratios issue #12 sets, ours next to Node, Chromium,
// libcurl.js 0.7.4 and epoxy-tls 1.5.0, measured in one run on this machine; written to
// bench/results.json, from which bench/readme.ts rewrites the README's numbers.
//
// How: one local HTTPS origin per TLS 1.3 suite (the origin allows exactly one, so every
// client gets the same), our shim (Wisp) for the peers and the page, and each measurement
// in a fresh process (bench/cases.ts), the cases taking turns round after round (the order
// reversed every other round); each row is the median of its rounds. The machine is shared
// and noisy: compare the ratios, which come from the same rounds, more than the MB/s.
//
//   BENCH_RUNS=5        rounds (default 3)
//   BENCH_ONLY=bulk     only cases whose id contains one of these words (comma-separated)
import { spawn, spawnSync } from "node:child_process";
import { createHash, randomBytes, X509Certificate } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";
import { createShim } from "../ts-bindings/src/shim/server.js";
import { Pki } from "../test/helpers/pki.js";
import { CHROMIUM, CHROMIUM_ARGS } from "../test/browser/helpers.js";
import type { Case, Env, Result } from "./cases.js";
import { pickEpoxyAnchor } from "./peers.js";
import { writeReadme, type Row } from "./readme.js";

const here = fileURLToPath(new URL(".", import.meta.url));
const repo = join(here, "..");
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ONLY = (process.env.BENCH_ONLY ?? "").split(",").filter(Boolean);
const BULK = 20 * 1024 * 1024;
const require = createRequire(import.meta.url);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const gz = (bytes: Uint8Array) => gzipSync(bytes, { level: 9 }).length;
const kib = (n: number) => Math.round((n / 1024) * 10) / 10;

// ---- certificates: one CA every client trusts (epoxy's needs a compiled-in anchor's shape) --
const anchor = await pickEpoxyAnchor();
const pki = new Pki();
const root = pki.issue({ cn: "B".repeat(anchor.cnLength), ca: true, keyType: "p256" });
const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root, keyType: "p256" });
const leafSpki = new X509Certificate(leaf.certPem).publicKey.export({ type: "spki", format: "der" });
const spkiHash = createHash("sha256").update(leafSpki).digest("base64");

// ---- origins: one per suite, CORS for the page ------------------------------------------
const body = randomBytes(BULK);
const small = Buffer.from("hello, world\n");
async function origin(suite: string): Promise<{ server: Server; url: string }> {
  const server = createServer(
    { cert: leaf.chainPem, key: leaf.keyPem, minVersion: "TLSv1.3", ciphers: suite, keepAliveTimeout: 30_000 },
    (req, res) => {
      const data = req.url === "/bulk" ? body : small;
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": data.length, "access-control-allow-origin": "*" });
      res.end(data);
    },
  );
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { server, url: `https://localhost:${(server.address() as AddressInfo).port}` };
}
const chacha = await origin("TLS_CHACHA20_POLY1305_SHA256");
const aes = await origin("TLS_AES_256_GCM_SHA384");

// ---- the minimal fetch page, served by the shim -----------------------------------------
const work = mkdtempSync(join(tmpdir(), "lmw-bench-"));
const pageDir = join(work, "page");
{
  const { build } = await import("vite");
  await build({ configFile: join(here, "page/vite.config.ts"), build: { outDir: pageDir } });
}
const shim = await createShim({ staticDir: pageDir, allowLoopback: true });
const env: Env = {
  caPem: root.certPem,
  wispUrl: shim.url,
  pageUrl: `http://127.0.0.1:${shim.port}/`,
  chromium: CHROMIUM,
  chromiumArgs: [...CHROMIUM_ARGS, `--ignore-certificate-errors-spki-list=${spkiHash}`],
};

// ---- the cases ---------------------------------------------------------------------------
type Named = { id: string; c: Case };
const cases: Named[] = [];
for (const [suite, o] of [["chacha", chacha], ["aes", aes]] as const) {
  for (const client of ["node", "ours", "ours-wisp", "libcurl", "epoxy", "chromium", "chromium-shim"] as const) {
    cases.push({ id: `bulk ${suite} ${client}`, c: { kind: "bulk", client, url: `${o.url}/bulk`, bytes: BULK } });
  }
}
// Each pair compared in the table runs back to back within a round.
for (const client of ["node", "ours"] as const) {
  cases.push({ id: `handshake ${client}`, c: { kind: "handshake", client, url: `${chacha.url}/`, count: 22 } });
}
for (const client of ["node", "ours"] as const) {
  cases.push({ id: `requests ${client}`, c: { kind: "requests", client, url: `${chacha.url}/small`, count: 300 } });
}
for (const [suite, o] of [["chacha", chacha], ["aes", aes]] as const) {
  cases.push({ id: `idle ${suite} ours`, c: { kind: "idle", client: "ours", url: `${o.url}/`, count: 16 } });
}
const selected = cases.filter((x) => ONLY.length === 0 || ONLY.some((w) => x.id.includes(w)));

function runCase(n: Named): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", join(here, "cases.ts")], {
      env: { ...process.env, BENCH_CASE: JSON.stringify(n.c), BENCH_ENV: JSON.stringify(env) },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as Result);
      else reject(new Error(`${n.id}: exit ${code}\n${err.slice(-2000)}`));
    });
  });
}

const results = new Map<string, (Result & { round: number })[]>();
const failures = new Map<string, string>();
for (let round = 0; round < RUNS; round++) {
  const order = round % 2 === 0 ? selected : [...selected].reverse();
  for (const n of order) {
    try {
      const r = await runCase(n);
      if (!results.has(n.id)) results.set(n.id, []);
      results.get(n.id)!.push({ ...r, round });
      process.stderr.write(`round ${round + 1}/${RUNS} ${n.id}: ${r.value.toFixed(2)}${r.detail ? ` (${r.detail})` : ""}\n`);
    } catch (e) {
      failures.set(n.id, (e as Error).message.split("\n").slice(0, 3).join(" "));
      process.stderr.write(`round ${round + 1}/${RUNS} ${(e as Error).message}\n`);
    }
  }
}
const med = (id: string): number | undefined => {
  const xs = results.get(id);
  return xs?.length ? median(xs.map((x) => x.value)) : undefined;
};
const detailOf = (id: string) => results.get(id)?.[0]?.detail;

// ---- sizes -------------------------------------------------------------------------------
function fileSizes(path: string): { raw: number; gzip: number } {
  const b = readFileSync(path);
  return { raw: b.length, gzip: gz(b) };
}
const wasmDir = join(repo, "ts-bindings/wasm");
const sizes = {
  lmwWasm: fileSizes(join(wasmDir, "lmw.wasm")),
  lmwWebWasm: fileSizes(join(wasmDir, "lmw_web.wasm")),
  lmwDebugWasm: existsSync(join(wasmDir, "lmw_debug.wasm")) ? fileSizes(join(wasmDir, "lmw_debug.wasm")) : undefined,
  caBundle: fileSizes(join(wasmDir, "ca-bundle.der")),
  libcurlWasm: fileSizes(require.resolve("libcurl.js/libcurl.wasm")),
  epoxyWasm: fileSizes(join(require.resolve("@mercuryworkshop/epoxy-tls/package.json"), "../pkg/epoxy.wasm")),
  page: await pagePayload(),
};

/** What Chromium downloads to show the minimal page and run one fetch through the shim
 *  with the user's own CA: every same-origin file it requests, gzipped. */
async function pagePayload(): Promise<{ files: Record<string, number>; gzip: number }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: env.chromiumArgs });
  const requested = new Set<string>();
  try {
    const page = await browser.newPage();
    page.on("request", (r) => {
      const u = new URL(r.url());
      if (u.origin === new URL(env.pageUrl).origin && !u.pathname.startsWith("/wisp")) requested.add(u.pathname === "/" ? "/index.html" : u.pathname);
    });
    await page.goto(env.pageUrl);
    await page.evaluate(([url, ca, wisp]) => (globalThis as unknown as { benchShim(u: string, c: string, w: string): Promise<unknown> }).benchShim(url, ca, wisp),
      [`${chacha.url}/small`, env.caPem, env.wispUrl] as const);
  } finally {
    await browser.close();
  }
  const files: Record<string, number> = {};
  for (const p of requested) files[p] = gz(readFileSync(join(pageDir, p)));
  const all = readdirSync(join(pageDir, "assets")).length + 1;
  if (requested.size === 0 || all === 0) throw new Error("page payload: nothing requested");
  return { files, gzip: Object.values(files).reduce((a, b) => a + b, 0) };
}

// ---- the table ---------------------------------------------------------------------------
const rows: Row[] = [];
/** The median over rounds of ours / reference, each round's pair measured minutes apart at
 *  most (the machine's load drifts more between rounds than within one). `refs` are ids
 *  whose best value in a round is the reference (the faster peer). */
function ratio(ours: string, refs: string[]): number | undefined {
  const per: number[] = [];
  for (const o of results.get(ours) ?? []) {
    const ref = Math.max(...refs.map((id) => results.get(id)?.find((x) => x.round === o.round)?.value ?? 0));
    if (ref > 0) per.push(o.value / ref);
  }
  return per.length ? median(per) : undefined;
}
for (const [suite, name] of [["chacha", "ChaCha20-Poly1305"], ["aes", "AES-256-GCM"]] as const) {
  const min = suite === "chacha" ? 0.6 : 0.3;
  const o = med(`bulk ${suite} ours`);
  const n = med(`bulk ${suite} node`);
  const r = ratio(`bulk ${suite} ours`, [`bulk ${suite} node`]);
  rows.push({ what: `20 MiB, ${name}: Node dialer vs Node https`, ours: o, unit: "MB/s", refs: { "Node https": n }, ratio: r, target: `≥ ${min}×`, met: r === undefined ? undefined : r >= min });
}
for (const [suite, name] of [["chacha", "ChaCha20-Poly1305"], ["aes", "AES-256-GCM"]] as const) {
  const o = med(`bulk ${suite} ours-wisp`);
  const lc = med(`bulk ${suite} libcurl`);
  const ep = med(`bulk ${suite} epoxy`);
  const r = ratio(`bulk ${suite} ours-wisp`, [`bulk ${suite} libcurl`, `bulk ${suite} epoxy`]);
  rows.push({ what: `20 MiB, ${name}: through the shim, Node, vs the faster peer`, ours: o, unit: "MB/s", refs: { "libcurl.js 0.7.4": lc, "epoxy-tls 1.5.0": ep }, ratio: r, target: "≥ 1.2×", met: r === undefined ? undefined : r >= 1.2 });
}
for (const [suite, name] of [["chacha", "ChaCha20-Poly1305"], ["aes", "AES-256-GCM"]] as const) {
  const o = med(`bulk ${suite} chromium-shim`);
  const c = med(`bulk ${suite} chromium`);
  const r = ratio(`bulk ${suite} chromium-shim`, [`bulk ${suite} chromium`]);
  rows.push({ what: `20 MiB, ${name}: Chromium through the shim vs Chromium's fetch`, ours: o, unit: "MB/s", refs: { "Chromium fetch": c }, ratio: r, target: "≥ 0.5×", met: r === undefined ? undefined : r >= 0.5 });
}
{
  const o = med("handshake ours");
  const n = med("handshake node");
  const r = ratio("handshake ours", ["handshake node"]);
  rows.push({ what: `full TLS 1.3 handshake: name lookup, connect, handshake (${detailOf("handshake ours") ?? "?"})`, ours: o, unit: "ms", refs: { "Node tls": n }, ratio: r, target: "≤ 2×", met: r === undefined ? undefined : r <= 2 });
}
{
  const o = med("requests ours");
  const n = med("requests node");
  const r = ratio("requests ours", ["requests node"]);
  rows.push({ what: "small keep-alive requests, one connection", ours: o, unit: "req/s", refs: { "Node https, keep-alive agent": n }, ratio: r, target: "≥ 0.5×", met: r === undefined ? undefined : r >= 0.5 });
}
for (const [suite, name] of [["chacha", "ChaCha20-Poly1305"], ["aes", "AES-256-GCM"]] as const) {
  const o = med(`idle ${suite} ours`);
  rows.push({ what: `device heap per idle TLS connection, ${name} (the router: ${detailOf(`idle ${suite} ours`) ?? ""})`, ours: o === undefined ? undefined : kib(o), unit: "KiB", refs: {}, ratio: undefined, target: "≤ 40 KiB", met: o === undefined ? undefined : o <= 40 * 1024 });
}
rows.push({ what: "lmw.wasm, gzip -9", ours: kib(sizes.lmwWasm.gzip), unit: "KiB", refs: { "libcurl.js": kib(sizes.libcurlWasm.gzip), "epoxy-tls": kib(sizes.epoxyWasm.gzip) }, ratio: undefined, target: "≤ 150 KiB", met: sizes.lmwWasm.gzip <= 150 * 1024 });
rows.push({ what: "minimal fetch page, all it downloads (own CA), gzip -9", ours: kib(sizes.page.gzip), unit: "KiB", refs: {}, ratio: undefined, target: "reported", met: undefined });
rows.push({ what: "bundled root CAs (DER, loaded only without a `ca`), gzip -9", ours: kib(sizes.caBundle.gzip), unit: "KiB", refs: {}, ratio: undefined, target: "reported", met: undefined });

const results_json = {
  date: new Date().toISOString(),
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  runs: RUNS,
  bulkBytes: BULK,
  rows,
  sizes,
  samples: Object.fromEntries(results),
  failures: Object.fromEntries(failures),
};

// ---- print, save, README -----------------------------------------------------------------
const fmt = (v: number | undefined, unit = "") => (v === undefined ? "–" : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${unit ? ` ${unit}` : ""}`);
console.log(`\n${RUNS} rounds; values are medians, ratios the median of per-round ratios; ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}\n`);
const table = rows.map((r) => [
  r.what,
  fmt(r.ours, r.unit),
  Object.entries(r.refs).map(([k, v]) => `${k} ${fmt(v, r.unit)}`).join("; ") || "",
  r.ratio === undefined ? "" : `${r.ratio.toFixed(2)}×`,
  r.target,
  r.met === undefined ? "" : r.met ? "met" : "NOT met",
]);
const head = ["measure", "ours", "compared with", "ratio", "target", ""];
const widths = head.map((h, i) => Math.max(h.length, ...table.map((t) => t[i]!.length)));
for (const line of [head, ...table]) console.log(line.map((c, i) => c.padEnd(widths[i]!)).join(" | "));
if (failures.size) console.log(`\nfailed: ${[...failures.keys()].join(", ")}`);
console.log(`\nlmw.wasm ${kib(sizes.lmwWasm.raw)} KiB raw / ${kib(sizes.lmwWasm.gzip)} KiB gzip; lmw_debug.wasm ${sizes.lmwDebugWasm ? kib(sizes.lmwDebugWasm.gzip) : "?"} KiB gzip; page files: ${JSON.stringify(Object.fromEntries(Object.entries(sizes.page.files).map(([k, v]) => [k, kib(v)])))}`);

if (ONLY.length === 0) {
  const out = join(here, "results.json");
  writeFileSync(out, `${JSON.stringify(results_json, null, 2)}\n`);
  writeReadme(results_json);
  console.log(`\nwrote ${out} and the README's numbers`);
} else {
  writeFileSync(join(work, "..", "lmw-bench-partial.json"), JSON.stringify(results_json, null, 2));
}

// The Pico program numbers (warm rebuild, time to main): bench/pico.ts, its own process.
if (ONLY.length === 0 || ONLY.includes("pico")) {
  spawnSync(process.execPath, ["--import", "tsx", join(here, "pico.ts")], { stdio: "inherit" });
}

await shim.close();
chacha.server.close();
aes.server.close();
pki.dispose();
rmSync(work, { recursive: true, force: true });
process.exit(0);
