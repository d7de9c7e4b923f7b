// The playground in Chromium, end to end: the page (built by Vite) served by the shim,
// a local HTTPS origin with a test CA, requests made by the WASM device stack in the page
// and carried over Wisp - with fetch and with the book's C client - and a phone-width
// layout check. Leaves a screenshot in test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { Pki, type Cert } from "../helpers/pki.js";
import { buildPlayground, CHROMIUM, CHROMIUM_ARGS, repo } from "./helpers.js";

const artifacts = join(repo, "test-artifacts");

// A 1x1 PNG.
const PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

// Never skipped: without Chromium these tests fail (npm test's set-up installs it).
describe("playground in Chromium", () => {
  let work: string;
  let pki: Pki;
  let root: Cert;
  let origin: Server;
  let originUrl: string;
  let shim: Shim;
  let browser: BrowserContext;
  let page: Page;
  const greeting = `hello from the origin ${Math.random().toString(36).slice(2)}`;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: npm test installs it (apt-get install chromium)`);
    work = mkdtempSync(join(tmpdir(), "lmw-browser-"));
    const dist = join(work, "dist");
    pki = new Pki();
    root = pki.issue({ cn: "Playground Test Root", ca: true });
    const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
    origin = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
      if (req.url === "/pixel.png") {
        res.setHeader("content-type", "image/png");
        res.end(PIXEL_PNG);
        return;
      }
      if (req.url === "/hello") {
        res.setHeader("content-type", "text/plain; charset=utf-8");
        res.end(greeting);
        return;
      }
      res.statusCode = 404;
      res.end("not here");
    });
    await Promise.all([
      buildPlayground(dist),
      new Promise<void>((r) => origin.listen(0, "127.0.0.1", r)),
    ]);
    originUrl = `https://localhost:${(origin.address() as AddressInfo).port}`;
    // The page and /wisp/ on one origin: the shim's default Origin policy admits it.
    shim = await createShim({ staticDir: dist, allowLoopback: true });
    // A fresh profile (--user-data-dir) per run: Playwright's persistent context.
    browser = await chromium.launchPersistentContext(join(work, "profile"), {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1100, height: 1400 },
    });
    page = browser.pages()[0] ?? (await browser.newPage());
    page.on("pageerror", (e) => console.error("page error:", e));
    await page.goto(`http://127.0.0.1:${shim.port}/`);
    await page.locator("#ca-details summary").click();
    await page.getByTestId("ca").fill(root.certPem);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await shim?.close();
    await new Promise((r) => (origin ? origin.close(r) : r(undefined)));
    pki?.dispose();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function runOnce(mode: "fetch" | "c", path = "/hello"): Promise<void> {
    await page.getByTestId("mode").selectOption(mode);
    await page.getByTestId("url").fill(`${originUrl}${path}`);
    await page.getByTestId("run").click();
    await page.waitForSelector('#app:is([data-state="done"], [data-state="error"])', { timeout: 30_000 });
    const error = page.getByTestId("error");
    if (await error.isVisible()) throw new Error(`the page reports: ${await error.textContent()}`);
  }

  it("fetches through the WASM stack with the pasted CA: body, TLS 1.3, packets", async () => {
    await runOnce("fetch");
    expect(await page.getByTestId("status").textContent()).toMatch(/^200/);
    expect(await page.getByTestId("body").textContent()).toBe(greeting);
    expect(await page.getByTestId("tls-version").textContent()).toBe("TLSv1.3");
    expect(await page.getByTestId("tls-suite").textContent()).toMatch(/^TLS1-3-/);
    expect(await page.getByTestId("chain").textContent()).toContain("localhost");
    expect(await page.locator("#packets li").count()).toBeGreaterThan(5);
    expect(await page.locator("#packets li").first().textContent()).toMatch(/^(ARP|UDP|TCP)/);
    const phases = await page.locator("#timeline li").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.phase));
    expect(phases).toEqual(expect.arrayContaining(["DNS", "TCP connect", "TLS handshake", "download", "total"]));
    await expect.poll(() => page.getByTestId("download-pcap").getAttribute("href")).toMatch(/^blob:/);
    await expect.poll(() => page.getByTestId("download-keylog").getAttribute("href")).toMatch(/^blob:/);
    const keylog = await page.getByTestId("download-keylog").evaluate(async (a) => (await fetch((a as HTMLAnchorElement).href)).text());
    expect(keylog).toMatch(/^(CLIENT_HANDSHAKE_TRAFFIC_SECRET|SERVER_HANDSHAKE_TRAFFIC_SECRET|CLIENT_TRAFFIC_SECRET_0|SERVER_TRAFFIC_SECRET_0|EXPORTER_SECRET|CLIENT_RANDOM) /m);
    const pcapMagic = await page.getByTestId("download-pcap").evaluate(async (a) =>
      [...new Uint8Array(await (await fetch((a as HTMLAnchorElement).href)).arrayBuffer()).subarray(0, 4)]);
    expect(pcapMagic).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "playground.png"), fullPage: true });
  });

  it("gets the same body with the book's C client", async () => {
    await runOnce("c");
    expect(await page.getByTestId("status").textContent()).toMatch(/^200/);
    expect(await page.getByTestId("body").textContent()).toBe(greeting);
    expect(await page.locator("#packets li").count()).toBeGreaterThan(5);
    await page.screenshot({ path: join(artifacts, "playground-c-client.png"), fullPage: true });
  });

  it("previews an image body", async () => {
    await runOnce("fetch", "/pixel.png");
    const img = page.getByTestId("body-image");
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(1);
    expect(await page.getByTestId("view-image").isChecked()).toBe(true);
  });

  it("shows the lwIP and Mbed TLS debug log when asked", async () => {
    await page.getByTestId("debug").check();
    try {
      await runOnce("fetch");
    } finally {
      await page.getByTestId("debug").uncheck();
    }
    const log = (await page.getByTestId("log").textContent()) ?? "";
    expect(log).toMatch(/^device lwip: /m);
    expect(log).toMatch(/^device mbedtls: /m);
  });

  it("fits a phone-width window without horizontal scrolling", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    // Long lines (packets, certificate names, the warning) are on the page now.
    await page.getByTestId("verify").uncheck();
    await expect.poll(() => page.getByTestId("insecure-warning").isVisible()).toBe(true);
    const { scrollWidth, clientWidth } = await page.evaluate(() => ({
      scrollWidth: document.documentElement.scrollWidth,
      clientWidth: document.documentElement.clientWidth,
    }));
    expect(scrollWidth).toBeLessThanOrEqual(clientWidth);
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, "playground-phone.png"), fullPage: true });
    await page.getByTestId("verify").check();
  });
});
