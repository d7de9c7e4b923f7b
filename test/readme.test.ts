// The README's examples run: every ```ts block is executed as a script, with the package
// name pointing at this checkout, and each `// => text` comment must appear in its output.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");
const blocks = [...readme.matchAll(/^```ts\n([\s\S]*?)^```$/gm)].map((m) => m[1]!);
const entry = resolve("ts-bindings/src/index.ts");

describe("README examples", () => {
  it("has runnable examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(2);
  });

  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and prints what it says`, () => {
      const dir = mkdtempSync(join(resolve("test"), ".readme-"));
      try {
        const file = join(dir, `example${i + 1}.ts`);
        writeFileSync(file, code.replaceAll('"lwip-mbedtls-wasm"', JSON.stringify(entry)));
        const out = execFileSync("node_modules/.bin/tsx", [file], { encoding: "utf8", timeout: 60_000 });
        const expected = [...code.matchAll(/\/\/ => (.*)$/gm)].map((m) => m[1]!.trim());
        expect(expected.length).toBeGreaterThan(0);
        for (const text of expected) expect(out).toContain(text);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  });
});
