// examples/pico/random, built natively and to WASM: Mbed TLS's CTR_DRBG over the port's
// entropy source. Its output is parsed: the source it names (what really feeds
// mbedtls_hardware_poll on that platform), well-formed numbers, runs that differ - and, in
// deterministic mode (the host seam's seeded generator), runs that repeat for one seed,
// differ for another, and match between native and WASM.
import { describe, expect, it, vi } from "vitest";

import type { PicoPlatform } from "../../ts-bindings/src/pico/build.js";
import { Scheduler } from "../../ts-bindings/src/pico/deterministic.js";
import { PLATFORMS, picoBuild, runOnNewNetwork } from "../helpers/pico.js";

// Each test may build its program first (minutes on a cold cache, on 2 shared cores).
vi.setConfig({ testTimeout: 30 * 60_000 });

/** What feeds mbedtls_hardware_poll: the host seam's random source on each platform. */
const SOURCES: Record<PicoPlatform, string> = {
  native: "getrandom(2) (the Linux kernel's CSPRNG)",
  wasm: "crypto.getRandomValues (the JavaScript runtime's CSPRNG)",
};

interface Draw {
  source: string;
  words: string[];
  bytes: string[];
  dice: number[];
  rand32: string;
  rand64: string;
}

/** The program's output, parsed; each line must be there, in its form. */
function parse(out: string): Draw {
  const line = (re: RegExp) => {
    const m = re.exec(out);
    expect(m, `${re} in:\n${out}`).not.toBeNull();
    return m!;
  };
  const source = line(/^entropy source: mbedtls_hardware_poll \(strong, 32 bytes before a seed\) <- (.+)$/m)[1]!;
  line(/^ctr_drbg: seeded \(AES-256, reseeded every 10000 requests\)$/m);
  const words = line(/^ctr_drbg u32:((?: 0x[0-9a-f]{8}){4})$/m)[1]!.trim().split(" ");
  const bytes = line(/^ctr_drbg bytes:((?: [0-9a-f]{2}){16})$/m)[1]!.trim().split(" ");
  const dice = line(/^dice:((?: [1-6]){10})$/m)[1]!.trim().split(" ").map(Number);
  const rand32 = line(/^get_rand_32: (0x[0-9a-f]{8})$/m)[1]!;
  const rand64 = line(/^get_rand_64: (0x[0-9a-f]{16})$/m)[1]!;
  return { source, words, bytes, dice, rand32, rand64 };
}

async function draw(platform: PicoPlatform, seed?: number): Promise<{ draw: Draw; out: string }> {
  const [artifact] = await picoBuild("random", platform, ["random"]);
  const deterministic = seed === undefined ? {} : { deterministic: { seed, clock: new Scheduler() } };
  const r = await runOnNewNetwork(artifact!, {}, undefined, deterministic);
  expect(r.exitCode, r.out).toBe(0);
  return { draw: parse(r.out), out: r.out };
}

describe.each(PLATFORMS)("the random numbers program, %s", (platform) => {
  it("names the source behind mbedtls_hardware_poll and prints numbers that differ from run to run", async () => {
    const a = (await draw(platform)).draw;
    const b = (await draw(platform)).draw;
    expect(a.source).toBe(SOURCES[platform]);
    expect(b.source).toBe(SOURCES[platform]);
    expect(b.words).not.toEqual(a.words);
    expect(b.bytes).not.toEqual(a.bytes);
    expect(b.rand64).not.toBe(a.rand64);
  });

  it("deterministic mode: one seed, the same numbers; another seed, others", async () => {
    const a = (await draw(platform, 7)).draw;
    const again = (await draw(platform, 7)).draw;
    const other = (await draw(platform, 8)).draw;
    expect(a.source).toBe("xorshift64* seeded with 7 (deterministic mode: not random)");
    expect(other.source).toBe("xorshift64* seeded with 8 (deterministic mode: not random)");
    expect(again).toEqual(a);
    expect(other.words).not.toEqual(a.words);
    expect(other.bytes).not.toEqual(a.bytes);
    expect(other.rand64).not.toBe(a.rand64);
  });
});

describe("the random numbers program, native vs WASM", () => {
  it("prints the same output for the same seed on both", async () => {
    const native = (await draw("native", 11)).out;
    const wasm = (await draw("wasm", 11)).out;
    expect(wasm).toBe(native);
  });
});
