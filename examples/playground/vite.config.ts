// Vite config of the browser playground: `vite build -c examples/playground/vite.config.ts`
// (or scripts/playground.ts, which calls build() with this file). The output in
// examples/playground/dist is static: any server can host it, as long as the shim's Wisp
// endpoint is reachable (same host at /wisp/ by default, or ?shim=ws://.../wisp/).
import { fileURLToPath } from "node:url";
import { defineConfig, type Plugin } from "vite";

const root = fileURLToPath(new URL(".", import.meta.url));

/**
 * Keeps Node-only code out of the page. network.ts loads the Node dialer with
 * `await import("./dialers/node.js")` (only when no dialer is passed, only in Node), and
 * Rollup follows that import into node:net / node:dns, whose named imports Vite's empty
 * browser stand-in cannot satisfy. The page always passes a WispDialer, so here that
 * module, and the node: built-ins module.ts loads on its Node path, become stubs.
 * (Not needed once network.ts hides the specifier from bundlers, as wisp/dialer.ts
 * does for `ws`.)
 */
function browserOnly(): Plugin {
  const DIALER = "\0lmw:node-dialer";
  const BUILTIN = "\0lmw:node-builtin:";
  return {
    name: "lmw-browser-only",
    enforce: "pre",
    resolveId(source, importer) {
      if (source === "./dialers/node.js" && importer?.replace(/\\/g, "/").endsWith("/ts-bindings/src/network.ts")) return DIALER;
      if (source.startsWith("node:")) return BUILTIN + source.slice(5);
      return null;
    },
    load(id) {
      if (id === DIALER) {
        return 'export class NodeDialer { constructor() { throw new Error("NodeDialer is Node-only: pass a WispDialer"); } }';
      }
      if (id.startsWith(BUILTIN)) return "export default {};";
      return null;
    },
  };
}

export default defineConfig({
  root,
  // Relative asset URLs: the page works from any path it is served under.
  base: "./",
  // No public/ folder; keeps Vite from copying anything we did not ask for.
  publicDir: false,
  logLevel: "warn",
  plugins: [browserOnly()],
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
