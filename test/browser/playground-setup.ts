// What the playground's Chromium tests share: a built page, a local HTTPS origin with a
// test CA and the routes the views need, Chromium, and helpers to run a request in the
// page and take screenshots into test-artifacts/.
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { buildBundledPrograms } from "../../examples/playground/pico/build.js";
import { Pki, type Cert } from "../helpers/pki.js";
import { testPki } from "../helpers/pico.js";
import { buildPlayground, CHROMIUM, CHROMIUM_ARGS, repo } from "./helpers.js";

export const artifacts = join(repo, "test-artifacts");

// A 1x1 PNG.
const PIXEL_PNG = Buffer.from(
  "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==",
  "base64",
);

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

/** Chromium must be there under npm test: a missing browser is a failure, not a skip. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
}

export class Gate {
  #open!: () => void;
  readonly opened = new Promise<void>((r) => (this.#open = r));
  open(): void {
    this.#open();
  }
}

export interface Origin {
  pki: Pki;
  root: Cert;
  server: Server;
  url: string;
  /** A second server, its certificate self-signed (its own trust anchor). */
  selfSignedUrl: string;
  /** The main routes again, on a server that speaks TLS 1.2 at most. */
  tls12Url: string;
  greeting: string;
  /** Resolves when a request for /hang arrived (the server never answers it). */
  hangArrived: Promise<void>;
  /** /big sends half its bytes, then waits for this gate. */
  bigGate: Gate;
  bigSize: number;
  close(): Promise<void>;
}

export async function startOrigin(): Promise<Origin> {
  const pki = new Pki();
  const root = pki.issue({ cn: "Playground Test Root", ca: true });
  const leaf = pki.issue({ cn: "localhost", san: ["localhost"], issuer: root });
  const greeting = `hello from the origin ${Math.random().toString(36).slice(2)}`;
  let hangArrived!: () => void;
  const hang = new Promise<void>((r) => (hangArrived = r));
  const bigGate = new Gate();
  const bigSize = 3 * 1024 * 1024;
  const hanging = new Set<ServerResponse>();
  const routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void> = {
    "/hello": (_q, res) => {
      res.setHeader("content-type", "text/plain; charset=utf-8");
      res.end(greeting);
    },
    "/json": (_q, res) => {
      res.setHeader("content-type", "application/json");
      res.end('{"device":"lwIP","tls":{"library":"Mbed TLS","versions":["1.2","1.3"]},"ok":true}');
    },
    "/page.html": (_q, res) => {
      res.setHeader("content-type", "text/html; charset=utf-8");
      res.end('<!doctype html><h1 id="h">Previewed, not run</h1><script>document.getElementById("h").textContent = "script ran"</script>');
    },
    "/pixel.png": (_q, res) => {
      res.setHeader("content-type", "image/png");
      res.end(PIXEL_PNG);
    },
    "/redirect": (_q, res) => {
      res.writeHead(302, { location: "/redirect/2" });
      res.end();
    },
    "/redirect/2": (_q, res) => {
      res.writeHead(301, { location: "/hello" });
      res.end();
    },
    "/hang": (_q, res) => {
      hanging.add(res);
      hangArrived();
    },
    "/big": (_q, res) => {
      res.writeHead(200, { "content-type": "application/octet-stream", "content-length": bigSize });
      const half = Buffer.alloc(bigSize / 2, 0x61);
      res.write(half);
      void bigGate.opened.then(() => res.end(half));
    },
  };
  const server = createServer({ cert: leaf.chainPem, key: leaf.keyPem }, (req, res) => {
    const route = routes[req.url ?? ""];
    if (route) return route(req, res);
    res.statusCode = 404;
    res.end("not here");
  });
  const own = pki.issue({ cn: "localhost", san: ["localhost"] });
  const selfSigned = createServer({ cert: own.certPem, key: own.keyPem }, (_req, res) => res.end(`self-signed ${greeting}`));
  const tls12 = createServer({ cert: leaf.chainPem, key: leaf.keyPem, maxVersion: "TLSv1.2" }, (req, res) => server.emit("request", req, res));
  const all = [server, selfSigned, tls12];
  await Promise.all(all.map((srv) => new Promise<void>((r) => srv.listen(0, "127.0.0.1", r))));
  return {
    pki,
    root,
    server,
    url: `https://localhost:${(server.address() as AddressInfo).port}`,
    selfSignedUrl: `https://localhost:${(selfSigned.address() as AddressInfo).port}`,
    tls12Url: `https://localhost:${(tls12.address() as AddressInfo).port}`,
    greeting,
    hangArrived: hang,
    bigGate,
    bigSize,
    async close() {
      bigGate.open();
      for (const r of hanging) r.destroy();
      for (const srv of all) srv.closeAllConnections();
      await Promise.all(all.map((srv) => new Promise((r) => srv.close(r))));
      pki.dispose();
    },
  };
}

export interface Browser {
  work: string;
  dist: string;
  context: BrowserContext;
  page: Page;
  close(): Promise<void>;
}

/** Builds the page into a temp dir and starts Chromium (a fresh profile). `pico`: also
 *  the bundled Pico programs, into <dist>/pico as `npm run playground` serves them (cached
 *  builds under build/pico, the same configurations as test/pico's). */
export async function startBrowser(options: { pico?: boolean } = {}): Promise<Browser> {
  requireChromium();
  const work = mkdtempSync(join(tmpdir(), "lmw-browser-"));
  const dist = join(work, "dist");
  await buildPlayground(dist);
  if (options.pico) {
    const { failed } = await buildBundledPrograms(join(dist, "pico"), testPki());
    if (Object.keys(failed).length) throw new Error(`Pico programs not built:\n${Object.entries(failed).map(([id, why]) => `${id}: ${why}`).join("\n")}`);
  }
  const context = await chromium.launchPersistentContext(join(work, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: DESKTOP,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on("pageerror", (e) => console.error("page error:", e));
  return {
    work,
    dist,
    context,
    page,
    async close() {
      await context.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, `${name}.png`) });
}

/** One view at both sizes, `<name>.png` and `<name>-phone.png`; the phone shot shows the
 *  response pane's tab `tab`. Checks that a phone never scrolls sideways. */
export async function screenshotBoth(page: Page, name: string, tab?: string): Promise<void> {
  await page.setViewportSize(DESKTOP);
  if (tab) await openTab(page, tab);
  await screenshot(page, name);
  await page.setViewportSize(PHONE);
  if (tab) await openTab(page, tab);
  const { scrollWidth, clientWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    clientWidth: document.documentElement.clientWidth,
  }));
  if (scrollWidth > clientWidth) throw new Error(`${name}: the page scrolls sideways at phone width (${scrollWidth} > ${clientWidth})`);
  await screenshot(page, `${name}-phone`);
  await page.setViewportSize(DESKTOP);
}

/** Fills the URL, presses Run and waits until the run is over; returns the app's state. */
export async function runRequest(page: Page, url: string): Promise<"done" | "error"> {
  if (await page.getByTestId("tab-request").isVisible()) await page.getByTestId("tab-request").click();
  await page.getByTestId("url").fill(url);
  await page.getByTestId("run").click();
  await page.waitForSelector('#app:is([data-state="done"], [data-state="error"])', { timeout: 60_000 });
  return (await page.getByTestId("app").getAttribute("data-state")) as "done" | "error";
}

/** Like runRequest, but the run must succeed. */
export async function runOk(page: Page, url: string): Promise<void> {
  if ((await runRequest(page, url)) !== "done") {
    throw new Error(`the page reports: ${await page.getByTestId("error").textContent()}`);
  }
}

/** The text of the response pane's tab `name`, after selecting it. */
export async function openTab(page: Page, name: string): Promise<void> {
  if (await page.getByTestId("tab-response").isVisible()) await page.getByTestId("tab-response").click();
  await page.getByTestId(`tab-${name}`).click();
}
