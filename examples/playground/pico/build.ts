// Builds the playground's bundled Pico programs (programs.ts) to WASM and puts them where
// the page fetches them: <out>/<id>.js and <out>/<id>.wasm, the test CA as <out>/ca.pem
// (the page verifies a server program's certificate with it) and index.json (the ids and
// their sizes). Node only: `npm run playground` and the Chromium tests call it. The builds
// are buildPicoProgram's, cached under build/pico like the tests' own (the same -D values,
// so the same cache directories).
import { copyFileSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildPicoProgram } from "../../../ts-bindings/src/pico/build.js";
import { PROGRAMS, WIFI } from "./programs.js";

const EXAMPLES = fileURLToPath(new URL("../../pico/", import.meta.url));

export interface PicoPki {
  ca: string;
  cert: string;
  key: string;
}

/** Builds every bundled program into `out` (one after another: 2 shared cores). A program
 *  that does not build is left out (the page shows it disabled) and named in `failed`. */
export async function buildBundledPrograms(out: string, pki: PicoPki, onProgress?: (line: string) => void): Promise<{ failed: Record<string, string> }> {
  mkdirSync(out, { recursive: true });
  const sizes: Record<string, number> = {};
  const failed: Record<string, string> = {};
  for (const p of PROGRAMS) {
    const t0 = performance.now();
    const files = Object.fromEntries(Object.entries(p.pki ?? {}).map(([k, v]) => [k, pki[v]]));
    try {
      const [wasm] = await buildPicoProgram({
        folder: join(EXAMPLES, p.folder),
        platform: "wasm",
        targets: [p.target],
        defines: { WIFI_SSID: WIFI.ssid, WIFI_PASSWORD: WIFI.password, ...p.defines, ...files },
      });
      copyFileSync(wasm!, join(out, `${p.id}.wasm`));
      copyFileSync(wasm!.replace(/\.wasm$/, ".js"), join(out, `${p.id}.js`));
      sizes[p.id] = statSync(wasm!).size;
      onProgress?.(`pico program ${p.id}: ${(sizes[p.id]! / 1024).toFixed(0)} KiB (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
    } catch (e) {
      failed[p.id] = (e as Error).message;
      onProgress?.(`pico program ${p.id}: not built: ${(e as Error).message}`);
    }
  }
  copyFileSync(pki.ca, join(out, "ca.pem"));
  writeFileSync(join(out, "index.json"), JSON.stringify({ programs: sizes }, null, 2));
  return { failed };
}
