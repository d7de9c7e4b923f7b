// Native vs WASM, byte for byte, from one source: a TLS server and the book's HTTPS client,
// both Pico W programs, on one LAN with the router (DHCP), in deterministic mode (seeded
// randomness in the programs, one virtual clock, one program running at a time). Built
// natively and to WASM, the two runs must put exactly the same Ethernet frames on the LAN.
import { describe, expect, it, vi } from "vitest";

import { createNetwork } from "../../ts-bindings/src/network.js";
import { Scheduler } from "../../ts-bindings/src/pico/deterministic.js";
import { runPicoProgram } from "../../ts-bindings/src/pico/run.js";
import type { PicoPlatform } from "../../ts-bindings/src/pico/build.js";
import { FIRST_LEASE, PASSWORD, picoBuild, SSID, testPki } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

async function frames(platform: PicoPlatform, seed: number): Promise<{ frames: string[]; server: string; client: string }> {
  const pki = testPki();
  const [server] = await picoBuild("tls_server", platform, ["tls_server"], { TLS_CERT_FILE: pki.cert, TLS_KEY_FILE: pki.key });
  // The client connects to the server's address (its first DHCP lease), checked against
  // the certificate's IP subjectAltName.
  const [client] = await picoBuild("https_client", platform, ["https_client"], { HTTPS_CA_FILE: pki.ca, HTTPS_HOST: FIRST_LEASE });
  const seen: string[] = [];
  await using net = await createNetwork({ device: false, onFrame: (f) => seen.push(Buffer.from(f).toString("hex")) });
  const clock = new Scheduler();
  const out = { server: "", client: "" };
  const common = { ssid: SSID, password: PASSWORD, signal: AbortSignal.timeout(120_000) };
  // The server first: it is the first to ask for an address, so it gets FIRST_LEASE.
  const s = runPicoProgram(net, server!, { ...common, mac: "28:cd:c1:00:00:01", deterministic: { seed, clock }, stdout: (t) => (out.server += t) });
  const c = runPicoProgram(net, client!, { ...common, mac: "28:cd:c1:00:00:02", deterministic: { seed: seed + 1, clock }, stdout: (t) => (out.client += t) });
  const [rs, rc] = await Promise.all([s, c]);
  expect(rs.exitCode, out.server).toBe(0);
  expect(rc.exitCode, out.client).toBe(0);
  return { frames: seen, ...out };
}

describe("native vs WASM, deterministic", () => {
  it("a TLS client and server built as Pico programs put identical frames on the LAN", async () => {
    const native = await frames("native", 42);
    expect(native.client).toContain("hello from a Pico W!");
    expect(native.client).toContain("test passed");
    expect(native.server).toContain("request: GET / HTTP/1.1");
    const wasm = await frames("wasm", 42);
    expect(wasm.client).toContain("test passed");
    expect(wasm.frames.length).toBeGreaterThan(20);
    expect(wasm.frames).toEqual(native.frames);
  });

  it("another seed gives other frames (the check can fail)", async () => {
    const a = await frames("native", 42);
    const b = await frames("native", 43);
    expect(b.frames).not.toEqual(a.frames);
  });
});
