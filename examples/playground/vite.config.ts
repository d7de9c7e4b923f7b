// Vite config of the browser playground: `vite build -c examples/playground/vite.config.ts`
// (or scripts/playground.ts, which calls build() with this file). The output in
// examples/playground/dist is static: any server can host it, as long as the shim's Wisp
// endpoint is reachable (same host at /wisp/ by default, or ?shim=ws://.../wisp/).
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

export default defineConfig({
  root,
  // Relative asset URLs: the page works from any path it is served under.
  base: "./",
  // No public/ folder; keeps Vite from copying anything we did not ask for.
  publicDir: false,
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    // Top-level await, class fields, private methods as they are; `using` is lowered.
    target: "es2022",
    // The .wasm (450 KB) must be a file of its own, fetched and compiled streaming,
    // never a base64 data: URL.
    assetsInlineLimit: 0,
    sourcemap: true,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2048,
  },
  // The dev server must not pre-bundle the emscripten glue: its
  // new URL("lmw_web.wasm", import.meta.url) would point into .vite/deps.
  optimizeDeps: { exclude: ["lwip-mbedtls-wasm"] },
  server: {
    // `vite dev` of the library's own sources, one directory above the root.
    fs: { allow: [fileURLToPath(new URL("../..", import.meta.url))] },
  },
});
