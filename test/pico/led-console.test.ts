// The LED console program, natively and in WASM: stdin pushed through a PicoInput (what
// the playground's terminal uses) reaches getchar_timeout_us, the Wi-Fi LED's changes
// reach onLed, and onStart comes before the program's first output.
import { describe, expect, it, vi } from "vitest";

import { createNetwork } from "../../ts-bindings/src/network.js";
import { PicoInput } from "../../ts-bindings/src/pico/program.js";
import { runPicoProgram } from "../../ts-bindings/src/pico/run.js";
import { PASSWORD, PLATFORMS, picoBuild, SSID } from "../helpers/pico.js";

vi.setConfig({ testTimeout: 30 * 60_000 });

describe.each(PLATFORMS)("the LED console, %s", (platform) => {
  it("reads commands typed on stdin and drives the Wi-Fi LED", async () => {
    const [artifact] = await picoBuild("led_console", platform, ["led_console"]);
    await using network = await createNetwork({ device: false });
    const stdin = new PicoInput();
    let started = false;
    let outputAfterStart = false;
    const led: boolean[] = [];
    let out = "";
    // A native program's LED changes come on their own pipe, its stdout on another: each
    // is waited for on its own.
    const waiters: { text: string; resolve: () => void }[] = [];
    const seen = (text: string) => new Promise<void>((resolve) => {
      if (out.includes(text)) resolve();
      else waiters.push({ text, resolve });
    });
    const ledWaiters: { n: number; resolve: () => void }[] = [];
    const ledChanges = (n: number) => new Promise<void>((resolve) => {
      if (led.length >= n) resolve();
      else ledWaiters.push({ n, resolve });
    });
    const done = runPicoProgram(network, artifact!, {
      ssid: SSID,
      password: PASSWORD,
      stdin,
      onStart: () => (started = true),
      onLed: (on) => {
        led.push(on);
        for (const w of ledWaiters.filter((w) => led.length >= w.n)) w.resolve();
      },
      stdout: (t) => {
        if (!out) outputAfterStart = started;
        out += t;
        for (const w of waiters.filter((w) => out.includes(w.text))) w.resolve();
      },
      signal: AbortSignal.timeout(60_000),
    });
    done.catch(() => {});
    await Promise.race([seen("Type a command"), done]);
    expect(outputAfterStart, "onStart comes before the first output").toBe(true);
    await Promise.race([ledChanges(1), done]);
    expect(led).toEqual([true]);
    stdin.write("status\n");
    await Promise.race([seen("led on, address 10.0.2.15"), done]);
    stdin.write(new TextEncoder().encode("off\r\nblink\n"));
    await Promise.race([seen('unknown command "blink"'), done]);
    await Promise.race([ledChanges(2), done]);
    expect(led).toEqual([true, false]);
    // A large paste arrives whole (as one chunk): 1 MB of blank lines, then two commands.
    stdin.write("\n".repeat(1_000_000) + "toggle\nquit\n");
    const { exitCode } = await done;
    expect(exitCode).toBe(0);
    expect(out).toContain("bye");
    // (A native child's "close" comes after all its pipes have ended.)
    expect(led).toEqual([true, false, true, false]);
  });
});
