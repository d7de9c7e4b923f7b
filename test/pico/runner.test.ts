// How `lwip-pico` ends a program that goes wrong: a panic and a crash (trap, with the last
// output lines), --timeout, a wrong Wi-Fi password, and an SDK function the host SDK does
// not provide (a link error naming it); and --keylog. Through the CLI's main(), as the command runs it.
import { once } from "node:events";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it, vi } from "vitest";

import { LmwError } from "../../ts-bindings/src/errors.js";
import { main, PICO_EXIT } from "../../ts-bindings/src/cli/pico.js";
import { EXAMPLES, HTTPS_HOST, PASSWORD, PLATFORMS, picoBuild, SSID, testPki } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += String(d)));
  stderr.on("data", (d) => (err += String(d)));
  const code = await main(args, { stdout, stderr, stdin: new PassThrough() });
  return { code, stdout: out, stderr: err };
}

describe.each(PLATFORMS)("lwip-pico run, %s", (platform) => {
  it("a panic is a trap: exit 134, the message and the last output lines", async () => {
    const [artifact] = await picoBuild("trap", platform, ["trap_panic"]);
    const r = await cli(["run", artifact!, "--timeout", "60"]);
    expect(r.code).toBe(PICO_EXIT.TRAP);
    expect(r.stdout).toContain("*** PANIC ***");
    expect(r.stdout).toContain("out of luck");
    expect(r.stderr).toContain("ERR_PICO_TRAP");
    expect(r.stderr).toContain("| step 2");
  });

  it("a bad memory access is a trap too, never a hang", async () => {
    const [artifact] = await picoBuild("trap", platform, ["trap_crash"]);
    const r = await cli(["run", artifact!, "--timeout", "60"]);
    expect(r.code).toBe(PICO_EXIT.TRAP);
    expect(r.stderr).toContain("ERR_PICO_TRAP");
    expect(r.stderr).toContain("| step 2");
  });

  it("--timeout stops a program that waits for ever: exit 124", async () => {
    // The TCP server waits for a client that never comes (whether it is still starting or
    // already listening when the time is up, it is stopped the same way).
    const [artifact] = await picoBuild("tcp_server", platform, ["tcp_server"]);
    const r = await cli(["run", artifact!, "--ssid", SSID, "--password", PASSWORD, "--timeout", "2"]);
    expect(r.code).toBe(PICO_EXIT.TIMEOUT);
    expect(r.stderr).toContain("timeout");
  });

  it("a wrong Wi-Fi password fails the join with the SDK's PICO_ERROR_BADAUTH", async () => {
    const [artifact] = await picoBuild("tcp_client", platform, ["tcp_client_poll"]);
    const r = await cli(["run", artifact!, "--ssid", SSID, "--password", "not-the-password", "--timeout", "60"]);
    expect(r.stdout).toContain("failed to connect: -7");
    expect(r.code).toBe(2); // the program's own return value
  });

  it("an unknown SSID fails as an absent network (PICO_ERROR_CONNECT_FAILED)", async () => {
    const [artifact] = await picoBuild("tcp_client", platform, ["tcp_client_poll"]);
    const r = await cli(["run", artifact!, "--ssid", "another-lab", "--password", PASSWORD, "--timeout", "60"]);
    expect(r.stdout).toContain("failed to connect: -8");
  });

  it("an SDK function the host SDK lacks fails the build at link time, naming it", async () => {
    const e = await picoBuild("unsupported", platform, ["unsupported"]).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(LmwError);
    expect((e as LmwError).code).toBe("ERR_PICO_BUILD");
    expect((e as LmwError).message).toMatch(/undefined (symbol|reference).*cyw43_arch_enable_ap_mode/);
  });
});

describe("lwip-pico's command line", () => {
  it("a missing artifact is a failed start (exit 125)", async () => {
    const r = await cli(["run", `${EXAMPLES}/no-such-program.wasm`]);
    expect(r.code).toBe(PICO_EXIT.START_FAILED);
    expect(r.stderr).toContain("ERR_PICO_START");
  });

  it("bad options are usage errors (exit 2)", async () => {
    expect((await cli(["run"])).code).toBe(PICO_EXIT.USAGE);
    expect((await cli(["run", "x.wasm", "--timeout", "soon"])).code).toBe(PICO_EXIT.USAGE);
    expect((await cli(["build", EXAMPLES, "--target", "arm"])).code).toBe(PICO_EXIT.USAGE);
    expect((await cli(["frobnicate"])).code).toBe(PICO_EXIT.USAGE);
    const unwritable = await cli(["run", "x.wasm", "--keylog", "/no-such-dir/keys.log"]);
    expect(unwritable.code).toBe(PICO_EXIT.USAGE);
    expect(unwritable.stderr).toContain("--keylog /no-such-dir/keys.log: ENOENT");
  });

  it("--keylog writes the program's TLS secrets in the NSS format, as they are made", async () => {
    const pki = testPki();
    const [artifact] = await picoBuild("https_client", "wasm", ["https_client"], { HTTPS_CA_FILE: pki.ca });
    const server = createServer({ cert: readFileSync(pki.cert), key: readFileSync(pki.key) }, (_req, res) => res.end("ok\n"));
    server.listen(0, "127.0.0.1");
    await once(server, "listening");
    const dir = mkdtempSync(join(tmpdir(), "lwip-pico-keylog-"));
    try {
      const keylog = join(dir, "keys.log");
      const port = (server.address() as AddressInfo).port;
      const r = await cli(["run", artifact!, "--ssid", SSID, "--password", PASSWORD, "--connect-to", `${HTTPS_HOST}:443:127.0.0.1:${port}`, "--keylog", keylog]);
      expect(r.code).toBe(0);
      expect(readFileSync(keylog, "utf8")).toMatch(/^CLIENT_RANDOM [0-9a-f]{64} [0-9a-f]{96}\n$/);
    } finally {
      server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("build prints one artifact path per line", async () => {
    const r = await cli(["build", `${EXAMPLES}/trap`, "--target", "native", "-D", `WIFI_SSID=${SSID}`, "-D", `WIFI_PASSWORD=${PASSWORD}`]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n").map((l) => l.split("/").pop())).toEqual(["trap_panic", "trap_crash"]);
  });
});
