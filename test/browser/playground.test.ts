// The playground in Chromium, end to end: the page (built by Vite) served by the shim, a
// local HTTPS origin with a test CA, requests made by the WASM device stack in the page
// and carried over Wisp. Every view at 1280x900 and at phone width, with screenshots in
// test-artifacts/: body views, headers, every redirect hop, TLS, the packet view with a
// decrypted TLS record, the log, progress of a large download, Stop, the certificate
// error with its chain, the shareable URL and the copied command (run for real).
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { Locator, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { repo } from "./helpers.js";
import { DESKTOP, PHONE, openTab, runOk, runRequest, screenshot, screenshotBoth, startBrowser, startOrigin, type Browser, type Origin } from "./playground-setup.js";

const run = promisify(execFile);

describe("playground in Chromium", () => {
  let origin: Origin;
  let browser: Browser;
  let shim: Shim;
  let page: Page;

  beforeAll(async () => {
    [origin, browser] = await Promise.all([startOrigin(), startBrowser()]);
    // The page and /wisp/ on one origin: the shim's default Origin policy admits it.
    shim = await createShim({ staticDir: browser.dist, allowLoopback: true });
    page = browser.page;
    await page.goto(`http://127.0.0.1:${shim.port}/`);
    await page.locator("#ca-details summary").click();
    await page.getByTestId("ca").fill(origin.root.certPem);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await shim?.close();
    await origin?.close();
  });

  /** Each view at both sizes; the phone shot shows the response pane's tab. */
  const shoot = (name: string, tab?: string) => screenshotBoth(page, `playground-${name}`, tab);

  /** Clicks the server's Application Data frames in turn until one holds a record whose
   *  plaintext is the HTTP response; returns that record (or undefined). */
  async function responseRecord(): Promise<Locator | undefined> {
    const detail = page.getByTestId("frame-detail");
    const fromServer = page.locator('#packets li[data-protocol="TLS"]').filter({ hasText: /Application Data · 198\.18\.\d+\.\d+:\d+ > 10\.0\.2\.15/ });
    for (let i = 0; i < (await fromServer.count()); i++) {
      await fromServer.nth(i).click();
      await expect.poll(() => detail.locator('[data-testid="plaintext"][data-state="pending"]').count()).toBe(0);
      const records = detail.locator('[data-testid="tls-record"]');
      for (let r = 0; r < (await records.count()); r++) {
        const [text] = await records.nth(r).locator('[data-testid="plaintext"][data-state="decrypted"] pre').allTextContents();
        if (text && /^HTTP\/1\.1 200 OK\r?\n/.test(text)) return records.nth(r);
      }
    }
    return undefined;
  }

  it("shows request and response side by side, and tabs on a phone", async () => {
    await runOk(page, `${origin.url}/hello`);
    const req = await page.locator("#request-pane").boundingBox();
    const res = await page.locator("#response-pane").boundingBox();
    expect(req!.x + req!.width).toBeLessThanOrEqual(res!.x);
    expect(res!.y).toBeLessThan(req!.y + 100);
    expect(await page.getByTestId("body").textContent()).toBe(origin.greeting);
    expect(await page.getByTestId("status").textContent()).toMatch(/^200/);
    // The mode switch: HTTP by default; the Pico program mode (playground-pico.test.ts) beside it.
    expect(await page.getByTestId("mode-http").getAttribute("aria-selected")).toBe("true");
    expect(await page.getByTestId("mode-pico").isEnabled()).toBe(true);
    expect(await page.getByTestId("tab-terminal").isVisible()).toBe(false);
    // The tabs follow the arrow keys.
    await page.getByTestId("tab-body").focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByTestId("tab-headers").getAttribute("aria-selected")).toBe("true");
    expect(await page.locator('[data-panel="headers"]').isVisible()).toBe(true);
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByTestId("tab-body").getAttribute("aria-selected")).toBe("true");

    await page.setViewportSize(PHONE);
    // After a run the phone shows the response; the request is one tab away.
    expect(await page.locator("#response-pane").isVisible()).toBe(true);
    expect(await page.locator("#request-pane").isVisible()).toBe(false);
    await page.getByTestId("tab-request").click();
    expect(await page.locator("#request-pane").isVisible()).toBe(true);
    expect(await page.locator("#response-pane").isVisible()).toBe(false);
    await screenshot(page, "playground-request-phone");
    await page.setViewportSize(DESKTOP);
    await screenshot(page, "playground-text");
  });

  it("pretty-prints JSON, previews HTML in a sandbox, shows text, hex and images", async () => {
    await runOk(page, `${origin.url}/json`);
    expect(await page.getByTestId("view-json").isChecked()).toBe(true);
    expect(await page.getByTestId("body").textContent()).toBe(
      JSON.stringify({ device: "lwIP", tls: { library: "Mbed TLS", versions: ["1.2", "1.3"] }, ok: true }, null, 2),
    );
    await shoot("json", "body");
    await page.getByTestId("view-hex").check();
    expect(await page.getByTestId("body").textContent()).toMatch(/^00000000  7b 22 64 65 76 69 63 65/);
    await shoot("hex", "body");

    await runOk(page, `${origin.url}/page.html`);
    expect(await page.getByTestId("view-html").isChecked()).toBe(true);
    const frame = page.frameLocator('[data-testid="body-html"]');
    await expect.poll(() => frame.locator("#h").textContent()).toBe("Previewed, not run");
    expect(await page.getByTestId("body-html").getAttribute("sandbox")).toBe("");
    await shoot("html", "body");

    await runOk(page, `${origin.url}/pixel.png`);
    expect(await page.getByTestId("view-image").isChecked()).toBe(true);
    const img = page.getByTestId("body-image");
    await expect.poll(() => img.evaluate((el) => (el as HTMLImageElement).complete && (el as HTMLImageElement).naturalWidth)).toBe(1);
    await shoot("image", "body");
  });

  it("shows every redirect hop with its own timeline", async () => {
    await runOk(page, `${origin.url}/redirect`);
    await openTab(page, "timing");
    const hops = page.locator('#hops > li[data-testid="hop"]');
    expect(await hops.count()).toBe(3);
    expect(await hops.nth(0).locator(".hop-status").textContent()).toBe("302 Found");
    expect(await hops.nth(0).locator(".hop-location").textContent()).toBe(`→ ${origin.url}/redirect/2`);
    expect(await hops.nth(1).locator(".hop-status").textContent()).toBe("301 Moved Permanently");
    expect(await hops.nth(2).locator(".hop-status").textContent()).toBe("200 OK");
    for (let i = 0; i < 3; i++) {
      const phases = await hops.nth(i).locator("li").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.phase));
      expect(phases.at(-1)).toBe("total");
      expect(phases).toContain("request → first byte");
    }
    // The first hop opened the connection (DNS, TCP, TLS); the others reused it.
    const first = await hops.nth(0).locator("li").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.phase));
    expect(first).toEqual(expect.arrayContaining(["DNS", "TCP connect", "TLS handshake"]));
    expect(await page.getByTestId("body").textContent()).toBe(origin.greeting);
    await shoot("timing", "timing");
  });

  it("shows the request and response headers, the TLS session and the chain", async () => {
    await runOk(page, `${origin.url}/hello`);
    await openTab(page, "headers");
    expect(await page.getByTestId("response-headers").textContent()).toMatch(/^content-type: text\/plain; charset=utf-8$/m);
    expect(await page.getByTestId("request-headers").textContent()).toMatch(/^GET \/hello HTTP\/1\.1\nHost: localhost:\d+/);
    await shoot("headers", "headers");
    await openTab(page, "tls");
    expect(await page.getByTestId("tls-version").textContent()).toBe("TLSv1.3");
    expect(await page.getByTestId("tls-suite").textContent()).toMatch(/^TLS1-3-/);
    expect(await page.getByTestId("chain").textContent()).toContain("CN=localhost");
    await shoot("tls", "tls");
  });

  it("decodes a frame's layers and decrypts its TLS record with the run's key log", async () => {
    await runOk(page, `${origin.url}/hello`);
    await openTab(page, "packets");
    // A filter narrows the list, as Wireshark's display filter does.
    await page.getByTestId("packet-filter").fill("dns");
    const shown = await page.locator("#packets li:not([hidden])").evaluateAll((lis) => lis.map((li) => (li as HTMLElement).dataset.protocol));
    expect(shown).toEqual(["DNS", "DNS"]);
    await page.getByTestId("packet-filter").fill("");
    expect(await page.locator("#packets li[hidden]").count()).toBe(0);
    // The DNS exchange, decoded; the arrow keys move to the next frame.
    await page.locator('#packets li[data-protocol="DNS"]').first().click();
    const detail = page.getByTestId("frame-detail");
    const first = Number(await detail.getAttribute("data-frame"));
    await page.keyboard.press("ArrowDown");
    expect(Number(await detail.getAttribute("data-frame"))).toBe(first + 1);
    await page.keyboard.press("ArrowUp");
    expect(Number(await detail.getAttribute("data-frame"))).toBe(first);
    // Pointing at a layer marks its bytes: the DNS message is the frame from byte 42 on.
    await detail.locator('details[data-layer="DNS"] > summary').hover();
    const marked = await detail.getByTestId("frame-bytes").locator("span.mark").evaluateAll((s) => s.map((x) => Number((x as HTMLElement).dataset.o)));
    expect(marked[0]).toBe(42);
    expect(marked.at(-1)).toBe(Number(await detail.getByTestId("frame-bytes").locator("span[data-o]").last().getAttribute("data-o")));
    expect(await detail.locator("details[data-layer] > summary").allTextContents()).toEqual([
      expect.stringMatching(/^Ethernet II: /),
      expect.stringMatching(/^IPv4: 10\.0\.2\.15 → 10\.0\.2\.3, UDP/),
      expect.stringMatching(/^UDP: /),
      expect.stringMatching(/^DNS: query 0x[0-9a-f]+ A localhost/),
    ]);
    // The server's response: the record that carries "HTTP/1.1 200 OK", under the application keys.
    const record = (await responseRecord())!;
    expect(record).toBeDefined();
    expect(await record.locator(".decrypted-head").textContent()).toMatch(/^Decrypted with the application keys: ApplicationData, \d+ bytes/);
    expect(await record.locator("pre").textContent()).toContain(origin.greeting);
    // For the picture (docs/playground.png comes from it): the other records of the frame
    // folded, as a user would, so the response's plaintext is in view.
    await record.evaluate((keep) => keep.parentElement!.querySelectorAll("details.tls-record").forEach((d) => ((d as HTMLDetailsElement).open = d === keep)));
    expect(await detail.locator("details[data-layer] > summary").allTextContents()).toEqual([
      expect.stringMatching(/^Ethernet II: /),
      expect.stringMatching(/^IPv4: 198\.18\.\d+\.\d+ → 10\.0\.2\.15, TCP/),
      expect.stringMatching(/^TCP: \d+ → \d+ \[/),
    ]);
    await shoot("packets", "packets");
    // The server's first flight: ServerHello in the clear, then its encrypted handshake,
    // decrypted under the handshake keys with the messages named.
    await page.locator('#packets li[data-protocol="TLS"]').filter({ hasText: "TLS ServerHello" }).first().click();
    await expect.poll(() => detail.locator('[data-testid="plaintext"][data-state="pending"]').count()).toBe(0);
    expect(await detail.locator('[data-testid="tls-record"] > summary').first().textContent()).toMatch(/^TLS record: TLS 1\.3 Handshake \(ServerHello\), \d+ bytes$/);
    expect(await detail.locator(".decrypted-head").allTextContents()).toContainEqual(
      expect.stringMatching(/^Decrypted with the handshake keys: Handshake — EncryptedExtensions/),
    );
  });

  it("decrypts TLS 1.2 records too, with the key block from the master secret", async () => {
    await runOk(page, `${origin.tls12Url}/hello`);
    await openTab(page, "tls");
    expect(await page.getByTestId("tls-version").textContent()).toBe("TLSv1.2");
    await openTab(page, "packets");
    const record = await responseRecord();
    expect(record).toBeDefined();
    expect(await record!.locator("pre").textContent()).toMatch(/^HTTP\/1\.1 200 OK\r?\n[\s\S]*hello from the origin/);
    expect(await record!.locator(".decrypted-head").textContent()).toMatch(/^Decrypted with the session keys: ApplicationData/);
  });

  it("shows the lwIP and Mbed TLS debug log when asked", async () => {
    await page.getByTestId("debug").check();
    try {
      await runOk(page, `${origin.url}/hello`);
    } finally {
      await page.getByTestId("debug").uncheck();
    }
    const log = (await page.getByTestId("log").textContent()) ?? "";
    expect(log).toMatch(/^device lwip: /m);
    expect(log).toMatch(/^device mbedtls: /m);
    await shoot("log", "log");
  });

  it("shows a large download's progress with percent and speed", async () => {
    await page.getByTestId("url").fill(`${origin.url}/big`);
    await page.getByTestId("run").click();
    try {
      // Half the body has come; the origin holds the rest until the page has shown it.
      await expect.poll(() => page.getByTestId("progress").textContent(), { timeout: 30_000 }).toMatch(/^50% · 1\.50 MiB of 3\.00 MiB · [\d.]+ (KiB|MiB)\/s$/);
      expect(await page.getByTestId("progress-bar").evaluate((el) => (el as HTMLProgressElement).value)).toBe(0.5);
      await shoot("progress");
    } finally {
      origin.bigGate.open();
    }
    await page.waitForSelector('#app[data-state="done"]', { timeout: 60_000 });
    expect(await page.getByTestId("progress").textContent()).toMatch(/^100% · 3\.00 MiB of 3\.00 MiB · [\d.]+ (KiB|MiB)\/s$/);
  });

  it("stops a request the server never answers", async () => {
    await page.getByTestId("url").fill(`${origin.url}/hang`);
    await page.getByTestId("run").click();
    await origin.hangArrived;
    expect(await page.getByTestId("stop").isEnabled()).toBe(true);
    await page.getByTestId("stop").click();
    await page.waitForSelector('#app[data-state="error"]', { timeout: 10_000 });
    expect(await page.getByTestId("status").textContent()).toBe("stopped");
    expect(await page.getByTestId("error-code").textContent()).toBe("ERR_ABORTED");
    expect(await page.getByTestId("stop").isEnabled()).toBe(false);
    await shoot("stopped");
  });

  it("runs the book's C client", async () => {
    await page.getByTestId("client").selectOption("c");
    try {
      await runOk(page, `${origin.url}/hello`);
    } finally {
      await page.getByTestId("client").selectOption("fetch");
    }
    expect(await page.getByTestId("body").textContent()).toBe(origin.greeting);
    await shoot("c-client", "body");
  });

  it("shows the chain of an untrusted certificate and offers a CA or no verification", async () => {
    const ca = await page.getByTestId("ca").inputValue();
    await page.getByTestId("ca").fill("");
    try {
      expect(await runRequest(page, `${origin.url}/hello`)).toBe("error");
      expect(await page.getByTestId("error-code").textContent()).toBe("ERR_TLS_CERT_UNTRUSTED");
      expect(await page.getByTestId("error-hint").textContent()).toMatch(/Paste the CA/);
      // The chain came from the capture: the Certificate message, decrypted with the handshake keys.
      const chain = await page.getByTestId("error-chain").textContent();
      expect(chain).toContain("CN=localhost");
      expect(chain).toContain("CN=Playground Test Root");
      await shoot("cert-error");
      await page.getByTestId("trust-root").click();
      expect(await page.getByTestId("ca").evaluate((el) => el === document.activeElement)).toBe(true);
      await page.getByTestId("skip-verify").click();
      expect(await page.getByTestId("verify").isChecked()).toBe(false);
      expect(await page.getByTestId("insecure-warning").isVisible()).toBe(true);
      await runOk(page, `${origin.url}/hello`);
      expect(await page.getByTestId("body").textContent()).toBe(origin.greeting);
    } finally {
      await page.getByTestId("verify").check();
      await page.getByTestId("ca").fill(ca);
    }
  });

  it("offers to trust a self-signed certificate, and then reaches its server", async () => {
    const ca = await page.getByTestId("ca").inputValue();
    await page.getByTestId("ca").fill("");
    try {
      expect(await runRequest(page, `${origin.selfSignedUrl}/`)).toBe("error");
      expect(await page.getByTestId("error-code").textContent()).toBe("ERR_TLS_CERT_UNTRUSTED");
      const trust = page.getByTestId("trust-top");
      expect(await trust.textContent()).toBe('Trust "CN=localhost" (self-signed)');
      await trust.click();
      // The certificate goes into the CA field and the request runs again.
      await page.waitForSelector('#app[data-state="done"]', { timeout: 60_000 });
      expect(await page.getByTestId("body").textContent()).toBe(`self-signed ${origin.greeting}`);
      expect(await page.getByTestId("ca").inputValue()).toMatch(/^-----BEGIN CERTIFICATE-----\n[\s\S]+-----END CERTIFICATE-----\n$/);
    } finally {
      await page.getByTestId("ca").fill(ca);
    }
  });

  it("keeps the request, CA included, in the URL across a reload", async () => {
    await page.getByTestId("url").fill(`${origin.url}/json`);
    await page.getByTestId("method").selectOption("POST");
    await page.getByTestId("request-body").fill('{"x": 1}');
    await page.reload();
    expect(await page.getByTestId("url").inputValue()).toBe(`${origin.url}/json`);
    expect(await page.getByTestId("method").inputValue()).toBe("POST");
    expect(await page.getByTestId("request-body").inputValue()).toBe('{"x": 1}');
    expect((await page.getByTestId("ca").inputValue()).trim()).toBe(origin.root.certPem.trim());
    // Copy link gives the same state to another page.
    await page.getByTestId("copy-link").click();
    const link = (await page.getByTestId("command").textContent()) ?? "";
    expect(link).toMatch(/#url=https%3A%2F%2Flocalhost%3A\d+%2Fjson&method=POST&body=.*&ca=-----BEGIN/);
    const other = await browser.context.newPage();
    try {
      await other.goto(link);
      expect(await other.getByTestId("url").inputValue()).toBe(`${origin.url}/json`);
      expect(await other.getByTestId("method").inputValue()).toBe("POST");
      expect((await other.getByTestId("ca").inputValue()).trim()).toBe(origin.root.certPem.trim());
    } finally {
      await other.close();
    }
    // A preset replaces the request, and keeps the CA.
    await page.getByTestId("preset").selectOption({ label: "Three redirects" });
    expect(await page.getByTestId("url").inputValue()).toBe("https://httpbin.org/redirect/3");
    expect(await page.getByTestId("method").inputValue()).toBe("GET");
    expect((await page.getByTestId("ca").inputValue()).trim()).toBe(origin.root.certPem.trim());
    await page.getByTestId("method").selectOption("GET");
    await page.getByTestId("request-body").fill("");
  });

  it("copies the request as an lwip-https command that runs", async () => {
    await page.getByTestId("url").fill(`${origin.url}/hello`);
    await page.getByTestId("headers").fill("X-Test: it's quoted");
    try {
      await page.getByTestId("copy-command").click();
      const command = (await page.getByTestId("command").textContent()) ?? "";
      expect(command).toMatch(/^npx lwip-https -L -H 'X-Test: it'\\''s quoted' --cacert <\(cat <<'PEM'\n-----BEGIN CERTIFICATE-----/);
      await shoot("command");
      // The same command, with the CLI from this checkout in place of the installed bin.
      const { stdout } = await run("bash", ["-c", command.replace(/^npx lwip-https/, "npx tsx bin/lwip-https.ts")], { cwd: repo });
      expect(stdout).toBe(origin.greeting);
      // The book's C client, the same way.
      await page.getByTestId("client").selectOption("c");
      await page.getByTestId("copy-command").click();
      const c = (await page.getByTestId("command").textContent()) ?? "";
      expect(c).toMatch(/^npx lwip-https --c-client --cacert <\(cat <<'PEM'\n/);
      expect((await run("bash", ["-c", c.replace(/^npx lwip-https/, "npx tsx bin/lwip-https.ts")], { cwd: repo })).stdout).toBe(origin.greeting);
    } finally {
      await page.getByTestId("client").selectOption("fetch");
      await page.getByTestId("headers").fill("");
    }
  });
});
