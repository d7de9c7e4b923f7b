// Set-up refuses a source tarball whose SHA-256 is not the pinned one, naming the file.
import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

const pins = JSON.parse(readFileSync("sources.json", "utf8"));

describe("set-up", () => {
  it("stops with a message naming the file when a checksum is wrong", () => {
    const dir = mkdtempSync(join(tmpdir(), "lmw-setup-"));
    try {
      mkdirSync(join(dir, "downloads"));
      const name = pins.lwip.tarball as string;
      const target = join(dir, "downloads", name);
      copyFileSync(join("third_party", "downloads", name), target);
      const bytes = readFileSync(target);
      bytes[1000] = bytes[1000]! ^ 0xff; // one byte changed
      writeFileSync(target, bytes);
      const r = spawnSync("node_modules/.bin/tsx", ["scripts/setup.ts", "--only-sources"], {
        encoding: "utf8",
        env: { ...process.env, LMW_THIRD_PARTY: dir, LWIP_SRC: "", MBEDTLS_SRC: "" },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain("checksum mismatch");
      expect(r.stderr).toContain(target);
      expect(r.stderr).toContain(pins.lwip.sha256);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("accepts the pinned tarballs", () => {
    const r = spawnSync("node_modules/.bin/tsx", ["scripts/setup.ts", "--only-sources"], { encoding: "utf8" });
    expect(r.stderr).not.toContain("error");
    expect(r.status).toBe(0);
  });
});
