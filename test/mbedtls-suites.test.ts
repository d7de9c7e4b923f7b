// A representative part of Mbed TLS's own test suites, natively and in WASM (the whole set
// is `npm run test:mbedtls`). Built by the set-up of `npm test`; here they only run.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { REPRESENTATIVE_SUITES, runSuites, type BuildResult } from "../scripts/mbedtls-tests.js";

const results: Partial<Record<"native" | "wasm", BuildResult>> = {};

describe("Mbed TLS's own test suites", () => {
  beforeAll(() => {
    for (const build of ["native", "wasm"] as const) {
      const dir = join("build", `mbedtls-tests-${build}`);
      if (existsSync(dir)) results[build] = runSuites(build, dir, REPRESENTATIVE_SUITES);
    }
  }, 180_000);

  for (const build of ["native", "wasm"] as const) {
    it(`pass in the ${build} build (${REPRESENTATIVE_SUITES.join(", ")})`, () => {
      const r = results[build];
      expect(r, "not built: npm test's set-up builds them (scripts/setup.ts --for-tests)").toBeDefined();
      expect(r!.suites.map((s) => s.suite)).toEqual(REPRESENTATIVE_SUITES);
      expect(r!.suites.filter((s) => s.failed > 0).map((s) => `${s.suite}: ${s.failures.join("; ")}`)).toEqual([]);
      expect(r!.passed).toBeGreaterThan(2000);
    });
  }

  it("run the same cases in both builds", () => {
    // Skips may differ (a few cases depend on 64-bit limbs or AES hardware); the number
    // of cases per suite may not.
    for (const [i, n] of results.native!.suites.entries()) {
      const w = results.wasm!.suites[i]!;
      expect(w.passed + w.skipped, n.suite).toBe(n.passed + n.skipped);
    }
  });
});
