// A 20 MiB HTTPS download in Chromium through the shim, timed in the page. Run by hand:
//
//   npx tsx test/browser/bench-download.ts [--mib 20] [--runs 3]
//
// Three ways, each from the request to the last body byte, on one local HTTPS origin:
//   page, library:    lmw.createNetwork + WispDialer + fetch in the page, body drained
//   page, playground: the playground's Run button (capture, packet list, timeline on)
//   node, Wisp:       the same library in Node through the same shim, for comparison
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";
import { createNetwork } from "../../ts-bindings/src/network.js";
import { createShim } from "../../ts-bindings/src/shim/server.js";
import { WispDialer } from "../../ts-bindings/src/dialer/wisp.js";
import { Pki } from "../helpers/pki.js";
import { buildPlayground, CHROMIUM, CHROMIUM_ARGS } from "./helpers.js";

const { values } = parseArgs({ options: { mib: { type: "string", default: "20" }, runs: { type: "string", default: "3" } } });
const size = Math.round(Number(values.mib) * 1024 * 1024);
const runs = Number(values.runs);
if (!existsSync(CHROMIUM)) {
  console.error(`${CHROMIUM} is missing`);
  process.exit(1);
}

const work = mkdtempSync(join(tmpdir(), "lmw-bench-"));
const pki = new Pki();
const root = pki.issue({ cn: "Bench Root", ca: true });
const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
const blob = randomBytes(size);
const origin = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (_req, res) => {
  res.writeHead(200, { "content-type": "application/octet-stream", "content-length": blob.length });
  res.end(blob);
});
await new Promise<void>((r) => origin.listen(0, "127.0.0.1", r));
const url = `https://localhost:${(origin.address() as AddressInfo).port}/blob`;
await buildPlayground(join(work, "dist"));
const shim = await createShim({ staticDir: join(work, "dist"), allowLoopback: true });
const browser = await chromium.launchPersistentContext(join(work, "profile"), { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });

const mib = size / 1048576;
const line = (what: string, ms: number) =>
  console.log(`${what.padEnd(22)} ${mib.toFixed(1)} MiB in ${(ms / 1000).toFixed(2)} s = ${(mib / (ms / 1000)).toFixed(2)} MiB/s`);

try {
  const page = browser.pages()[0] ?? (await browser.newPage());
  page.on("pageerror", (e) => console.error("page error:", e));
  await page.goto(`http://127.0.0.1:${shim.port}/`);
  console.log(`chromium ${browser.browser()?.version()}, ${mib} MiB, ${runs} runs each`);

  for (let i = 0; i < runs; i++) {
    const r = await page.evaluate(async ({ url, ca }) => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const lmw = (globalThis as any).lmw;
      const net = await lmw.createNetwork({ dialer: new lmw.WispDialer({ url: lmw.shimUrl() }), tls: { ca } });
      try {
        const t0 = performance.now();
        const res: Response = await net.fetch(url);
        const reader = res.body!.getReader();
        let bytes = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          bytes += value.length;
        }
        return { bytes, ms: performance.now() - t0 };
      } finally {
        await net.close();
      }
    }, { url, ca: root.certPem });
    if (r.bytes !== size) throw new Error(`page got ${r.bytes} bytes, expected ${size}`);
    line("page, library", r.ms);
  }

  await page.locator("#ca-details summary").click();
  await page.getByTestId("ca").fill(root.certPem);
  await page.getByTestId("url").fill(url);
  for (let i = 0; i < runs; i++) {
    await page.getByTestId("run").click();
    await page.waitForSelector('#app:is([data-state="done"], [data-state="error"])', { timeout: 300_000 });
    if (await page.getByTestId("error").isVisible()) throw new Error(await page.getByTestId("error").textContent() ?? "");
    const total = await page.locator('#hops li[data-phase="total"] .t-ms').textContent();
    line("page, playground", Number.parseFloat(total ?? "NaN"));
  }

  for (let i = 0; i < runs; i++) {
    const net = await createNetwork({ dialer: new WispDialer({ url: shim.url }), tls: { ca: root.certPem } });
    const t0 = performance.now();
    const res = await net.fetch(url);
    const reader = res.body!.getReader();
    let bytes = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.length;
    }
    const ms = performance.now() - t0;
    await net.close();
    if (bytes !== size) throw new Error(`node got ${bytes} bytes`);
    line("node, Wisp", ms);
  }
} finally {
  await browser.close();
  await shim.close();
  origin.close();
  pki.dispose();
  rmSync(work, { recursive: true, force: true });
}
