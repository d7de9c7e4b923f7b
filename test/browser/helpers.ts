// Shared by the Chromium tests and the hand-run download benchmark.
import { join } from "node:path";
import { fileURLToPath } from "node:url";

export const CHROMIUM = "/usr/bin/chromium";
export const repo = fileURLToPath(new URL("../../", import.meta.url));

/** Headless Chromium with nothing running in the background (no updates, sync, QUIC). */
export const CHROMIUM_ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Builds the playground into `outDir` (not examples/playground/dist, which a running
 *  `npm run playground` may be serving). */
export async function buildPlayground(outDir: string): Promise<void> {
  const { build } = await import("vite");
  await build({
    configFile: join(repo, "examples/playground/vite.config.ts"),
    logLevel: "error",
    build: { outDir, emptyOutDir: true, sourcemap: false },
  });
}
