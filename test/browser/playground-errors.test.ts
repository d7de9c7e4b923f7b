// The playground's errors, precise, against real relays: `npm run playground`'s own
// script (scripts/playground.ts) run as a process, without --allow-loopback (a local
// server is refused by policy; an unknown name fails in the relay's resolver) and with it
// (a closed port is refused by the server side), and a relay that is not there. Each
// error shows its code, the relay's reason and a next step; screenshots at 1280x900 and
// phone width go to test-artifacts/.
import { spawn, type ChildProcess } from "node:child_process";
import { createServer, type AddressInfo } from "node:net";
import { createInterface } from "node:readline";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ERROR_CODES } from "../../ts-bindings/src/errors.js";
import { repo } from "./helpers.js";
import { DESKTOP, PHONE, runRequest, screenshot, startBrowser, startOrigin, type Browser, type Origin } from "./playground-setup.js";

interface Served {
  child: ChildProcess;
  url: string;
  lines: string[];
}

/** Starts scripts/playground.ts on a free port, serving the already built page. */
async function servePlayground(dist: string, extra: string[]): Promise<Served> {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/playground.ts", "--port", "0", "--no-build", "--out-dir", dist, ...extra], {
    cwd: repo,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const lines: string[] = [];
  const rl = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`scripts/playground.ts exited with ${code}: ${lines.join("\n")}`)));
    rl.on("line", (line) => {
      lines.push(line);
      // The private-address line is the last of the banner.
      if (line.startsWith("private:")) resolve(/^playground: (\S+)$/m.exec(lines.join("\n"))![1]!);
    });
  });
  return { child, url, lines };
}

async function stopServed(s: Served | undefined): Promise<void> {
  if (!s || s.child.exitCode !== null) return;
  const exited = new Promise((r) => s.child.once("exit", r));
  s.child.kill("SIGTERM");
  await exited;
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, "127.0.0.1", r));
  const { port } = srv.address() as AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

// Each relay failure as its own code (ERR_BLOCKED_BY_RELAY, ERR_DNS_NOT_FOUND from Wisp
// CLOSE 0x48 / 0x45) comes with the relay-clients work; before it, the library reports
// both as ERR_CONNECTION_REFUSED and these two checks wait for it.
const relayCodes = "ERR_BLOCKED_BY_RELAY" in ERROR_CODES;

describe("playground errors in Chromium", () => {
  let origin: Origin;
  let browser: Browser;
  let page: Page;
  let strict: Served;
  let loose: Served;

  beforeAll(async () => {
    [origin, browser] = await Promise.all([startOrigin(), startBrowser()]);
    [strict, loose] = await Promise.all([servePlayground(browser.dist, []), servePlayground(browser.dist, ["--allow-loopback"])]);
    page = browser.page;
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.all([stopServed(strict), stopServed(loose)]);
    await origin?.close();
  });

  async function expectError(name: string, code: RegExp, hint: RegExp): Promise<string> {
    expect(await page.getByTestId("error-code").textContent()).toMatch(code);
    expect(await page.getByTestId("error-hint").textContent()).toMatch(hint);
    expect(await page.getByTestId("status").textContent()).toBe("failed");
    await screenshot(page, `playground-error-${name}`);
    await page.setViewportSize(PHONE);
    await screenshot(page, `playground-error-${name}-phone`);
    await page.setViewportSize(DESKTOP);
    return `${await page.getByTestId("error-message").textContent()}\n${await page.getByTestId("error-cause").textContent()}`;
  }

  it("says at start whether loopback destinations are allowed", () => {
    expect(strict.lines).toContain("loopback:   refused (add --allow-loopback to reach servers on this machine)");
    expect(loose.lines).toContain("loopback:   allowed (the page can reach servers on 127.0.0.0/8 and ::1)");
    expect(strict.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
  });

  it.runIf(relayCodes)("a local server without --allow-loopback: blocked by the relay, with the flag to add", async () => {
    await page.goto(strict.url);
    expect(await runRequest(page, `${origin.url}/hello`)).toBe("error");
    const text = await expectError("blocked", /^ERR_BLOCKED_BY_RELAY$/, /--allow-loopback/);
    // The relay's reason (Wisp CLOSE 0x48, blocked) is on the page.
    expect(text).toMatch(/blocked/i);
  });

  it.runIf(relayCodes)("an unknown host: the relay's resolver says so", async () => {
    await page.goto(strict.url);
    expect(await runRequest(page, "https://no-such-host.invalid/")).toBe("error");
    await expectError("unknown-host", /^ERR_DNS_NOT_FOUND$/, /no-such-host\.invalid/);
  });

  it("a closed port: refused", async () => {
    await page.goto(loose.url);
    const port = await freePort();
    expect(await runRequest(page, `https://localhost:${port}/`)).toBe("error");
    await expectError("refused", /^ERR_CONNECTION_REFUSED$/, new RegExp(`localhost:${port}`));
  });

  it("no relay at the address: the WebSocket could not open", async () => {
    const port = await freePort();
    await page.goto(`${loose.url}?shim=${encodeURIComponent(`ws://127.0.0.1:${port}/wisp/`)}`);
    expect(await runRequest(page, `${origin.url}/hello`)).toBe("error");
    await expectError("no-relay", /^ERR_WISP_CONNECT_FAILED$/, /npm run playground/);
  });
});
