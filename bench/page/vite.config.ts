// Builds the bench's minimal fetch page (bench/page) the way an application would bundle the
// library: minified, the .wasm as its own file.
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  publicDir: false,
  logLevel: "error",
  build: { target: "es2022", assetsInlineLimit: 0, sourcemap: false, reportCompressedSize: false, emptyOutDir: true },
});
