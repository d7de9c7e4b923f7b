// The playground's Pico program mode in Chromium: the bundled programs built to WASM and
// served beside the page, run in the page by runPicoModule on a network whose flows leave
// through the Wisp relay to real local servers. The terminal (stdout as it arrives, stdin
// typed in), the Wi-Fi LED, Stop, the packet view and the capture, and a server program
// reached from the page's own device. Screenshots at 1280x900 and phone width in
// test-artifacts/.
import { readFileSync } from "node:fs";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { createServer, type AddressInfo, type Server } from "node:net";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createShim, type Shim } from "../../ts-bindings/src/shim/server.js";
import { udpSink } from "../helpers/echo.js";
import { HTTPS_HOST, testPki } from "../helpers/pico.js";
import { DESKTOP, openTab, screenshot, screenshotBoth, startBrowser, type Browser } from "./playground-setup.js";

describe("playground's Pico program mode in Chromium", () => {
  let browser: Browser;
  let shim: Shim;
  let page: Page;
  let echo: Server;
  let https: HttpsServer;
  const echoed: string[] = [];
  const msToMain: Record<string, number> = {};

  beforeAll(async () => {
    // The programs may be built first (minutes on a cold cache, on 2 shared cores).
    browser = await startBrowser({ pico: true });
    shim = await createShim({ staticDir: browser.dist, allowLoopback: true });
    echo = createServer((c) => {
      c.on("error", () => {});
      c.on("data", (d) => {
        echoed.push(String(d));
        c.write(d);
      });
      c.on("end", () => c.end());
    });
    const pki = testPki();
    https = createHttpsServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (req, res) => {
      res.end(`hello ${req.headers.host} from a local https server\n`);
    });
    await Promise.all([echo, https].map((s) => new Promise<void>((r) => s.listen(0, "127.0.0.1", r))));
    page = browser.page;
    await page.goto(`http://127.0.0.1:${shim.port}/`);
    await page.getByTestId("mode-pico").click();
    // The page has fetched the list of built programs.
    await page.waitForFunction(() => document.querySelectorAll("#pico-program option:not(:disabled)").length >= 7);
  }, 30 * 60_000);

  afterAll(async () => {
    await browser?.close();
    await shim?.close();
    https?.closeAllConnections();
    await Promise.all([echo, https].map((s) => s && new Promise((r) => s.close(r))));
    if (Object.keys(msToMain).length) console.log("time to main in Chromium (ms):", msToMain);
  });

  async function choose(id: string, params: Record<string, string> = {}): Promise<void> {
    if (await page.getByTestId("tab-request").isVisible()) await page.getByTestId("tab-request").click();
    await page.getByTestId("pico-program").selectOption(id);
    for (const [k, v] of Object.entries(params)) await page.getByTestId(`pico-param-${k}`).fill(v);
  }

  /** Waits until the terminal holds `text` (or the run ended without it). */
  async function terminalShows(text: string): Promise<void> {
    const handle = await page.waitForFunction(
      (t) => {
        const out = document.getElementById("terminal")!.textContent ?? "";
        const state = document.getElementById("app")!.dataset.state;
        return out.includes(t) || (state !== "running" && state !== undefined) ? out : false;
      },
      text,
      { timeout: 60_000 },
    );
    expect(await handle.jsonValue()).toContain(text);
  }

  async function finished(): Promise<"done" | "error"> {
    await page.waitForSelector('#app:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
    return (await page.getByTestId("app").getAttribute("data-state")) as "done" | "error";
  }

  const shoot = (name: string) => screenshotBoth(page, `playground-pico-${name}`, "terminal");

  it("runs the TCP client against a local echo server through the relay, with its packets and capture", async () => {
    const port = (echo.address() as AddressInfo).port;
    await choose("tcp_client", { host: "127.0.0.1", port: String(port) });
    // The state is in the URL: program and changed parameters.
    const hash = await page.evaluate(() => location.hash);
    expect(hash).toContain(`program=tcp_client`);
    expect(hash).toContain(`port=${port}`);
    await page.getByTestId("pico-run").click();
    expect(await finished()).toBe("done");
    const out = await page.getByTestId("terminal").textContent();
    expect(out).toContain("Connected, address 10.0.2.15");
    expect(out).toContain("received 28 bytes: hello from a Pico W program");
    expect(out).toContain("test passed");
    expect(await page.getByTestId("terminal").getAttribute("data-exit")).toBe("0");
    expect(await page.getByTestId("status").textContent()).toBe("exited with 0");
    // What the echo server saw is the program's line.
    expect(echoed.join("")).toContain("hello from a Pico W program\n");
    msToMain.tcp_client = Number(await page.getByTestId("app").getAttribute("data-ms-to-main"));
    expect(msToMain.tcp_client).toBeGreaterThan(0);
    await shoot("tcp-client");

    // The LAN's frames: the program's DHCP, ARP and the TCP exchange with 10.0.2.2.
    await openTab(page, "packets");
    const rows = page.locator("#packets li");
    expect(await rows.count()).toBeGreaterThan(5);
    expect(await page.locator("#packets").textContent()).toMatch(/DHCP/);
    await page.locator('#packets li[data-protocol="TCP"]').first().click();
    expect(await page.getByTestId("frame-detail").locator('details[data-layer="TCP"]').count()).toBe(1);
    const href = await page.getByTestId("download-pcap").getAttribute("href");
    expect(href).toMatch(/^blob:/);
    const pcapMagic = await page.evaluate(async (u) => [...new Uint8Array(await (await fetch(u!)).arrayBuffer()).subarray(0, 4)], href);
    expect(pcapMagic).toEqual([0xd4, 0xc3, 0xb2, 0xa1]);
    await page.setViewportSize(DESKTOP);
    await screenshot(page, "playground-pico-packets");
  });

  it("runs the book's HTTPS client against a local HTTPS server with the test CA", async () => {
    const port = (https.address() as AddressInfo).port;
    await choose("https_client", { host: "localhost", port: String(port) });
    await page.getByTestId("pico-run").click();
    expect(await finished()).toBe("done");
    const out = await page.getByTestId("terminal").textContent();
    expect(out).toContain("HTTP/1.1 200 OK");
    expect(out).toContain(`hello ${HTTPS_HOST} from a local https server`);
    expect(out).toContain("test passed");
    msToMain.https_client = Number(await page.getByTestId("app").getAttribute("data-ms-to-main"));
    await shoot("https-client");

    // The program exported its own key log (onKeyLog): its request is shown decrypted.
    await openTab(page, "packets");
    const request = page.locator('#packets li[data-protocol="TLS"]').filter({ hasText: /Application Data · 10\.0\.2\.15:\d+ > / });
    expect(await request.count()).toBeGreaterThan(0);
    await request.first().click();
    const plain = page.getByTestId("frame-detail").locator('[data-testid="plaintext"][data-state="decrypted"] pre');
    await expect.poll(() => plain.allTextContents()).toContainEqual(expect.stringContaining(`GET / HTTP/1.1\r\nHost: ${HTTPS_HOST}`));
    await page.setViewportSize(DESKTOP);
  });

  it("takes stdin typed into the terminal and shows the Wi-Fi LED", async () => {
    await choose("led_console");
    await page.getByTestId("pico-run").click();
    await terminalShows("Type a command");
    await expect.poll(() => page.getByTestId("pico-led").getAttribute("data-on")).toBe("true");
    const input = page.getByTestId("terminal-input");
    await input.fill("status");
    await input.press("Enter");
    await terminalShows("led on, address 10.0.2.15");
    await shoot("led-on");
    await input.fill("off");
    await input.press("Enter");
    await expect.poll(() => page.getByTestId("pico-led").getAttribute("data-on")).toBe("false");
    await input.fill("status");
    await input.press("Enter");
    await terminalShows("led off, address 10.0.2.15");
    await input.fill("quit");
    await input.press("Enter");
    expect(await finished()).toBe("done");
    expect(await page.getByTestId("terminal").textContent()).toContain("bye");
    expect(await page.getByTestId("terminal").getAttribute("data-exit")).toBe("0");
    expect(await page.getByTestId("terminal-input").isDisabled()).toBe(true);
  });

  it("sends the UDP beacon's datagrams to a local UDP socket through the relay", async () => {
    const sink = await udpSink();
    try {
      await choose("udp_sender", { port: String(sink.port) });
      await page.getByTestId("pico-run").click();
      expect(await finished()).toBe("done");
      expect(await page.getByTestId("terminal").textContent()).toContain("sent beacon 3");
      await expect.poll(() => sink.got).toEqual(["beacon 1", "beacon 2", "beacon 3"]);
    } finally {
      sink.close();
    }
  });

  it("runs a program through the library's own runPicoModule (the page's lmw global), and names a missing one", async () => {
    const r = await page.evaluate(async () => {
      const lmw = (globalThis as unknown as { lmw: typeof import("../../ts-bindings/src/index.browser.js") & { shimUrl(): string } }).lmw;
      const net = await lmw.createNetwork({ dialer: new lmw.WispDialer({ url: lmw.shimUrl() }), device: false });
      try {
        const stdin = new lmw.PicoInput();
        let out = "";
        const exit = await lmw.runPicoModule(net, { glueUrl: "pico/led_console.js", wasm: "pico/led_console.wasm" }, {
          ssid: "picow-lab",
          password: "secret123",
          stdin,
          stdout: (t) => {
            out += t;
            if (t.includes("Type a command")) stdin.write("status\nquit\n");
          },
        });
        const missing = await lmw.runPicoModule(net, { glueUrl: "pico/no_such_program.js", wasm: "pico/no_such_program.wasm" }).then(
          () => "ran",
          (e: { code?: string; message?: string }) => `${e.code}: ${e.message}`,
        );
        return { exit, out, missing };
      } finally {
        await net.close();
      }
    });
    expect(r.exit).toEqual({ exitCode: 0 });
    expect(r.out).toContain("led on, address 10.0.2.15");
    expect(r.out).toContain("bye");
    expect(r.missing).toMatch(/^ERR_PICO_START: cannot load .*no_such_program/);
  });

  it("stops a running program", async () => {
    await choose("led_console");
    await page.getByTestId("pico-run").click();
    await terminalShows("Type a command");
    expect(await page.getByTestId("pico-stop").isEnabled()).toBe(true);
    await page.getByTestId("pico-stop").click();
    expect(await finished()).toBe("error");
    expect(await page.getByTestId("error-code").textContent()).toBe("ERR_ABORTED");
    expect(await page.getByTestId("status").textContent()).toBe("stopped");
    expect(await page.getByTestId("pico-run").isEnabled()).toBe(true);
    expect(await page.getByTestId("pico-led").getAttribute("data-on")).toBe("false");
    expect(await page.getByTestId("terminal-input").isDisabled()).toBe(true);
    await shoot("stopped");
  });

  it("reaches the TCP server program from the page's own device", async () => {
    await choose("tcp_server");
    expect(await page.getByTestId("pico-target").textContent()).toBe("10.0.2.15:4242");
    await page.getByTestId("pico-run").click();
    await terminalShows("listening on 10.0.2.15 port 4242");
    await page.getByTestId("pico-send").fill("ping from the page");
    await page.getByTestId("pico-fetch").click();
    await page.waitForSelector('#pico-fetch-result:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
    expect(await page.getByTestId("pico-fetch-result").textContent()).toBe("sent 19 bytes to 10.0.2.15:4242, got back 19:\nping from the page\n");
    // The server program ends when its client closes.
    expect(await finished()).toBe("done");
    expect(await page.getByTestId("terminal").textContent()).toContain("client closed after 19 bytes");
    await shoot("tcp-server");
  });

  it("fetches the web server program's SSI page from the page's own device, the tags filled in", async () => {
    await choose("httpd");
    await page.getByTestId("pico-run").click();
    await terminalShows("httpd listening on 10.0.2.15:80");
    await page.getByTestId("pico-fetch").click();
    await page.waitForSelector('#pico-fetch-result:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
    const result = (await page.getByTestId("pico-fetch-result").textContent()) ?? "";
    expect(result).toMatch(/^GET http:\/\/10\.0\.2\.15:80\/\n200 OK\n/);
    expect(result).toContain("<h1>Pico W at 10.0.2.15</h1>");
    expect(result).toMatch(/The LED is <span id="led">off<\/span>/);
    expect(result).toMatch(/served <span id="hits">1<\/span> times/);
    expect(result).not.toContain("<!--#");
    await shoot("httpd");
    await page.getByTestId("pico-stop").click();
    expect(await finished()).toBe("error");
  });

  it("fetches the TLS server program's page over HTTPS, the record decrypted in the packet view", async () => {
    await choose("tls_server");
    await page.getByTestId("pico-run").click();
    await terminalShows("TLS server listening on 10.0.2.15 port 443");
    await page.getByTestId("pico-fetch").click();
    await page.waitForSelector('#pico-fetch-result:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
    const result = await page.getByTestId("pico-fetch-result").textContent();
    expect(result).toMatch(/^GET https:\/\/10\.0\.2\.15:443\/\n200 OK\n/);
    expect(result).toContain("hello from a Pico W!");
    expect(await finished()).toBe("done");
    expect(await page.getByTestId("terminal").textContent()).toContain("request: GET / HTTP/1.1");
    await shoot("tls-server");

    // The page's device held the keys: the program's response record is shown decrypted.
    await openTab(page, "packets");
    const fromProgram = page.locator('#packets li[data-protocol="TLS"]').filter({ hasText: /Application Data · 10\.0\.2\.15:443 > 10\.0\.2\.100/ });
    expect(await fromProgram.count()).toBeGreaterThan(0);
    await fromProgram.first().click();
    const plain = page.getByTestId("frame-detail").locator('[data-testid="plaintext"][data-state="decrypted"] pre');
    await expect.poll(() => plain.allTextContents()).toContainEqual(expect.stringContaining("hello from a Pico W!"));
    await page.setViewportSize(DESKTOP);
    await screenshot(page, "playground-pico-decrypted");
  });
});
