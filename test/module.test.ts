// The WASM module: loads in Node, Mbed TLS self-tests (same output natively), entropy,
// lwIP start-up.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StackListener } from "../ts-bindings/src/device/listener.js";
import { Stack, type LogEntry } from "../ts-bindings/src/device/stack.js";

let stack: Stack;
beforeAll(async () => {
  stack = await Stack.create({ name: "test", debugBuild: true });
});
afterAll(() => stack.dispose());

describe("WASM module", () => {
  it("loads in Node and reports the pinned versions", () => {
    expect(stack.version()).toBe("lwIP 2.2.1, Mbed TLS 3.6.7");
  });

  it("passes Mbed TLS's self-tests, with the same output as the native harness", () => {
    const wasm = stack.selfTest(true);
    expect(wasm.failed).toBe(0);
    expect(wasm.output.join("\n")).toMatch(/\[ OK: 0 of \d+ self-tests failed \]/);
    const nativeBin = "build/native/lmw_selftest";
    expect(existsSync(nativeBin)).toBe(true);
    const native = execFileSync(nativeBin, { encoding: "utf8" });
    const norm = (lines: string[]) => lines.map((l) => l.trimEnd()).filter((l) => l !== "");
    expect(norm(wasm.output)).toEqual(norm(native.split("\n")));
  });

  it("starts lwIP with the configured window and no assertion failures", () => {
    expect(stack.constant("TCP_WND")).toBeGreaterThan(16 * 1024 + 29); // a full TLS record must fit
    // The largest MSS; a netif's MTU bounds it (1500 unless set: MSS 1460 on the wire).
    expect(stack.constant("TCP_MSS")).toBe(stack.constant("FAST_LINK_MTU") - 40);
    expect(stack.constant("MTU")).toBe(1500);
    expect(stack.stat("tcp_active")).toBe(0);
    expect(stack.assertCount()).toBe(0);
  });
});

describe("debug output", () => {
  it("is in the debug module only: a stack asking for it loads lmw_debug.wasm and logs TCP", async () => {
    const lines: LogEntry[] = [];
    await using s = await Stack.create({ name: "debug", debug: { lwip: true }, onLog: (e) => lines.push(e) });
    expect(s.debugBuild).toBe(true);
    expect(s.constant("LWIP_DEBUG")).toBe(1);
    new StackListener(s, { port: 8080 }, () => {}).dispose();
    const lwip = lines.filter((e) => e.source === "lwip").map((e) => e.text);
    expect(lwip).toContain("tcp_bind: bind to port 8080");
  });

  it("is not compiled into the release module: asking a release stack for it is ERR_INVALID_ARG", async () => {
    const lines: LogEntry[] = [];
    await using s = await Stack.create({ name: "release", onLog: (e) => lines.push(e) });
    expect(s.debugBuild).toBe(false);
    expect(s.constant("LWIP_DEBUG")).toBe(0);
    expect(() => s.setDebug({ lwip: true })).toThrowError(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    expect(() => s.setDebug({ mbedtls: 3 })).toThrowError(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    expect(() => s.selfTest()).toThrowError(expect.objectContaining({ code: "ERR_INVALID_ARG" }));
    new StackListener(s, { port: 8080 }, () => {}).dispose();
    expect(lines.filter((e) => e.source === "lwip")).toEqual([]);
  });
});

describe("entropy", () => {
  it("fills exactly the length asked, and differs between calls", () => {
    for (const len of [1, 16, 32, 48, 1000]) {
      const a = stack.entropyPoll(len); // throws if a guard byte past the end changed
      const b = stack.entropyPoll(len);
      expect(a.filled).toBe(len);
      expect(a.bytes.length).toBe(len);
      if (len >= 16) expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
    }
  });

  it("fills a request larger than one host call (crypto.getRandomValues: 65536 bytes)", () => {
    const len = 200_000;
    const { bytes, filled } = stack.entropyPoll(len);
    expect(filled).toBe(len);
    // Every 64 KiB chunk, including the last partial one, is random rather than left zero.
    for (let off = 0; off < len; off += 65536) {
      const part = bytes.subarray(off, Math.min(len, off + 65536));
      const zeros = part.reduce((n, b) => n + (b === 0 ? 1 : 0), 0);
      expect(zeros / part.length).toBeLessThan(0.02);
    }
  });

  it("comes from the host hook, which a test mode can replace", async () => {
    let calls = 0;
    const fixed = await Stack.create({ random: (buf) => { calls++; buf.fill(7); } });
    try {
      const { bytes } = fixed.entropyPoll(64);
      expect([...bytes].every((b) => b === 7)).toBe(true);
      expect(calls).toBeGreaterThan(0);
    } finally {
      fixed.dispose();
    }
  });
});
